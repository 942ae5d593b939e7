package io.rasd.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a deterministic random-init Llama-architecture checkpoint in HF layout (config.json, model.safetensors,
 * generation_config.json, optionally a tokenizer copied from another model), for tests and for measuring the cost
 * of a model shape without its weights. Weights are scaled so that logits are well separated (no near-ties to make
 * greedy decoding fragile).
 */
public final class RandomCheckpoint {

    private String architecture = "LlamaForCausalLM";
    private int vocab = 512;
    private int hidden = 64;
    private int intermediate = 160;
    private int layers = 2;
    private int heads = 4;
    private int kvHeads = 2;
    private int maxPositions = 256;
    private boolean tied = false;
    private DType dtype = DType.F32;
    private long seed = 1;
    private double scale = 1.0;
    private Path tokenizerFrom;
    private double residualScale = 1.0;

    public static RandomCheckpoint llama() {
        return new RandomCheckpoint();
    }

    public RandomCheckpoint architecture(String a) {
        this.architecture = a;
        return this;
    }

    public RandomCheckpoint vocab(int v) {
        this.vocab = v;
        return this;
    }

    public RandomCheckpoint hidden(int h) {
        this.hidden = h;
        return this;
    }

    public RandomCheckpoint intermediate(int i) {
        this.intermediate = i;
        return this;
    }

    public RandomCheckpoint layers(int l) {
        this.layers = l;
        return this;
    }

    public RandomCheckpoint heads(int h, int kv) {
        this.heads = h;
        this.kvHeads = kv;
        return this;
    }

    public RandomCheckpoint maxPositions(int p) {
        this.maxPositions = p;
        return this;
    }

    public RandomCheckpoint tied(boolean t) {
        this.tied = t;
        return this;
    }

    public RandomCheckpoint dtype(DType d) {
        this.dtype = d;
        return this;
    }

    public RandomCheckpoint seed(long s) {
        this.seed = s;
        return this;
    }

    public RandomCheckpoint scale(double s) {
        this.scale = s;
        return this;
    }
    /**
     * Scales what attention and the MLP add to the residual stream. Small values give a nearly bigram model whose
     * greedy output soon cycles: speculation then gets long paths accepted while attention still shapes the logits.
     */
    public RandomCheckpoint residualScale(double r) {
        this.residualScale = r;
        return this;
    }
    /** Copy tokenizer.json and tokenizer_config.json from this directory; null: no tokenizer. */
    public RandomCheckpoint tokenizerFrom(Path dir) {
        this.tokenizerFrom = dir;
        return this;
    }

    public Path writeTo(Path dir) {
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new io.rasd.RasdException("random checkpoint: hidden (" + hidden + ") must divide into heads ("
                    + heads + ") and heads into kv heads (" + kvHeads + ")");
        }
        try {
            Files.createDirectories(dir);
            int hd = hidden / heads;
            String config = "{\n"
                    + "  \"architectures\": [\"" + architecture + "\"],\n"
                    + "  \"model_type\": \"llama\",\n"
                    + "  \"vocab_size\": " + vocab + ",\n"
                    + "  \"hidden_size\": " + hidden + ",\n"
                    + "  \"intermediate_size\": " + intermediate + ",\n"
                    + "  \"num_hidden_layers\": " + layers + ",\n"
                    + "  \"num_attention_heads\": " + heads + ",\n"
                    + "  \"num_key_value_heads\": " + kvHeads + ",\n"
                    + "  \"max_position_embeddings\": " + maxPositions + ",\n"
                    + "  \"rms_norm_eps\": 1e-05,\n"
                    + "  \"rope_theta\": 10000.0,\n"
                    + "  \"hidden_act\": \"silu\",\n"
                    + "  \"tie_word_embeddings\": " + tied + ",\n"
                    + "  \"bos_token_id\": 0,\n"
                    + "  \"eos_token_id\": 1\n"
                    + "}\n";
            Files.writeString(dir.resolve("config.json"), config);
            Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 0, \"eos_token_id\": 1}\n");
            SafeTensorsWriter w = new SafeTensorsWriter();
            w.put(
                    "model.embed_tokens.weight",
                    dtype,
                    new long[] {vocab, hidden},
                    gaussian(stream("model.embed_tokens.weight"), vocab * hidden, scale));
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                double s = scale / Math.sqrt(hidden);
                w.put(
                        p + "input_layernorm.weight",
                        dtype,
                        new long[] {hidden},
                        norm(stream(p + "input_layernorm.weight"), hidden));
                w.put(
                        p + "self_attn.q_proj.weight",
                        dtype,
                        new long[] {heads * hd, hidden},
                        gaussian(stream(p + "self_attn.q_proj.weight"), heads * hd * hidden, s * 2));
                w.put(
                        p + "self_attn.k_proj.weight",
                        dtype,
                        new long[] {kvHeads * hd, hidden},
                        gaussian(stream(p + "self_attn.k_proj.weight"), kvHeads * hd * hidden, s * 2));
                w.put(
                        p + "self_attn.v_proj.weight",
                        dtype,
                        new long[] {kvHeads * hd, hidden},
                        gaussian(stream(p + "self_attn.v_proj.weight"), kvHeads * hd * hidden, s));
                w.put(
                        p + "self_attn.o_proj.weight",
                        dtype,
                        new long[] {hidden, heads * hd},
                        gaussian(stream(p + "self_attn.o_proj.weight"), heads * hd * hidden, s * residualScale));
                w.put(
                        p + "post_attention_layernorm.weight",
                        dtype,
                        new long[] {hidden},
                        norm(stream(p + "post_attention_layernorm.weight"), hidden));
                w.put(
                        p + "mlp.gate_proj.weight",
                        dtype,
                        new long[] {intermediate, hidden},
                        gaussian(stream(p + "mlp.gate_proj.weight"), intermediate * hidden, s));
                w.put(
                        p + "mlp.up_proj.weight",
                        dtype,
                        new long[] {intermediate, hidden},
                        gaussian(stream(p + "mlp.up_proj.weight"), intermediate * hidden, s));
                w.put(
                        p + "mlp.down_proj.weight",
                        dtype,
                        new long[] {hidden, intermediate},
                        gaussian(
                                stream(p + "mlp.down_proj.weight"),
                                intermediate * hidden,
                                scale * residualScale / Math.sqrt(intermediate)));
            }
            w.put("model.norm.weight", dtype, new long[] {hidden}, norm(stream("model.norm.weight"), hidden));
            if (!tied) {
                w.put(
                        "lm_head.weight",
                        dtype,
                        new long[] {vocab, hidden},
                        gaussian(stream("lm_head.weight"), vocab * hidden, scale * 3 / Math.sqrt(hidden)));
            }
            w.write(dir.resolve("model.safetensors"));
            if (tokenizerFrom != null) {
                Path tok = tokenizerFrom;
                for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                    if (Files.exists(tok.resolve(f))) {
                        Files.copy(tok.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Each tensor draws from its own stream, a function of the seed and the tensor's name: models that differ only
     * in depth share their embeddings, head and first layers (a shallow copy makes a draft that often agrees).
     */
    private SplittableRandom stream(String tensor) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + tensor.hashCode());
    }

    private static float[] gaussian(SplittableRandom rnd, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller; SplittableRandom keeps fixtures identical across JDKs
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return a;
    }

    private static float[] norm(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (1.0 + 0.1 * (rnd.nextDouble() - 0.5));
        }
        return a;
    }
}
