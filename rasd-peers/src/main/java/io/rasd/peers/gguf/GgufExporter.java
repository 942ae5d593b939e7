package io.rasd.peers.gguf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.model.Architecture;
import io.rasd.model.Checkpoint;
import io.rasd.model.GenerationConfig;
import io.rasd.model.ModelConfig;
import io.rasd.model.RopeScaling;
import io.rasd.model.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Converts a HF Llama-architecture checkpoint (config.json, safetensors, a byte-level BPE tokenizer.json) to a GGUF
 * file that llama.cpp runs: the counterpart of llama.cpp's {@code convert_hf_to_gguf.py} for the models rasd serves,
 * written in Java so the benchmark needs no Python. In f32 ({@link GgufPrecision#F32}) llama.cpp computes with the
 * same math as rasd in f32; in f16 the weight matrices are rounded to f16 (ties to even) and the 1-D tensors stay f32,
 * as the converter's {@code --outtype f16} writes them.
 *
 * <p>Two layouts differ between the formats. HF applies RoPE as {@code rotate_half} (the two halves of a head
 * rotate together) while llama.cpp's Llama RoPE rotates adjacent pairs, so the rows of {@code q_proj} and
 * {@code k_proj} are permuted per head exactly as the converter's {@code LlamaModel.permute} does. And ggml lists
 * dimensions innermost first ({@link GgufWriter}).
 */
public final class GgufExporter {

    private GgufExporter() {}

    /** Writes an f32 {@code out} from the HF model directory {@code dir}. */
    public static void export(Path dir, Path out) {
        export(dir, out, GgufPrecision.F32);
    }

    /** Writes {@code out} in f16 ({@code true}) or f32. */
    public static void export(Path dir, Path out, boolean f16) {
        export(dir, out, f16 ? GgufPrecision.F16 : GgufPrecision.F32);
    }

    /**
     * Writes {@code out} from the HF model directory {@code dir}, its weight matrices in {@code precision}; refuses
     * what llama.cpp's Llama graph can't run.
     */
    public static void export(Path dir, Path out, GgufPrecision precision) {
        ModelConfig c = ModelConfig.read(dir);
        if (c.architecture() != Architecture.LLAMA && c.architecture() != Architecture.MISTRAL) {
            throw new RasdException(dir.resolve("config.json") + ": architecture " + c.architecture()
                    + " cannot be exported to GGUF; expected LlamaForCausalLM or MistralForCausalLM");
        }
        if (c.mlpBias() || c.qkNorm()) {
            throw new RasdException(dir.resolve("config.json") + ": mlp_bias and q/k norms have no place in"
                    + " llama.cpp's Llama graph; expected a plain Llama checkpoint");
        }
        GenerationConfig gen = GenerationConfig.read(dir);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString(
                "general.name", dir.toAbsolutePath().normalize().getFileName().toString());
        w.putUInt32("general.file_type", precision.fileType()); // LLAMA_FTYPE_ALL_F32 or LLAMA_FTYPE_MOSTLY_F16
        w.putUInt32("general.alignment", GgufWriter.ALIGNMENT);
        w.putUInt32("llama.vocab_size", c.vocabSize());
        w.putUInt32("llama.context_length", c.maxPositions());
        w.putUInt32("llama.embedding_length", c.hiddenSize());
        w.putUInt32("llama.block_count", c.numLayers());
        w.putUInt32("llama.feed_forward_length", c.intermediateSize());
        w.putUInt32("llama.rope.dimension_count", c.headDim());
        w.putUInt32("llama.attention.head_count", c.numHeads());
        w.putUInt32("llama.attention.head_count_kv", c.numKvHeads());
        w.putUInt32("llama.attention.key_length", c.headDim());
        w.putUInt32("llama.attention.value_length", c.headDim());
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        w.putFloat32("llama.rope.freq_base", (float) c.ropeTheta());
        RopeScaling rope = c.ropeScaling();
        if (rope.type().equals("linear")) {
            w.putString("llama.rope.scaling.type", "linear");
            w.putFloat32("llama.rope.scaling.factor", (float) rope.factor());
        }
        GgufTokenizer.from(dir, c.vocabSize(), gen).writeTo(w);

        GgufWriter.GgmlType matrix = precision.matrixType();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            tensor(w, ckpt, "model.embed_tokens.weight", "token_embd.weight", null, matrix);
            if (rope.type().equals("llama3")) {
                // llama.cpp divides each frequency by its factor: base / scaled, as the converter computes them
                float[] base = RopeScaling.NONE.inverseFrequencies(c.ropeTheta(), c.headDim());
                float[] scaled = rope.inverseFrequencies(c.ropeTheta(), c.headDim());
                float[] factors = new float[base.length];
                for (int i = 0; i < factors.length; i++) {
                    factors[i] = base[i] / scaled[i];
                }
                w.addTensor("rope_freqs.weight", new long[] {factors.length}, () -> floats(factors));
            }
            for (int i = 0; i < c.numLayers(); i++) {
                String hf = "model.layers." + i + ".";
                String gg = "blk." + i + ".";
                tensor(w, ckpt, hf + "input_layernorm.weight", gg + "attn_norm.weight", null, matrix);
                tensor(w, ckpt, hf + "self_attn.q_proj.weight", gg + "attn_q.weight", new int[] {c.numHeads()}, matrix);
                tensor(
                        w,
                        ckpt,
                        hf + "self_attn.k_proj.weight",
                        gg + "attn_k.weight",
                        new int[] {c.numKvHeads()},
                        matrix);
                tensor(w, ckpt, hf + "self_attn.v_proj.weight", gg + "attn_v.weight", null, matrix);
                tensor(w, ckpt, hf + "self_attn.o_proj.weight", gg + "attn_output.weight", null, matrix);
                if (c.attentionBias()) {
                    tensor(w, ckpt, hf + "self_attn.q_proj.bias", gg + "attn_q.bias", new int[] {c.numHeads()}, matrix);
                    tensor(
                            w,
                            ckpt,
                            hf + "self_attn.k_proj.bias",
                            gg + "attn_k.bias",
                            new int[] {c.numKvHeads()},
                            matrix);
                    tensor(w, ckpt, hf + "self_attn.v_proj.bias", gg + "attn_v.bias", null, matrix);
                    tensor(w, ckpt, hf + "self_attn.o_proj.bias", gg + "attn_output.bias", null, matrix);
                }
                tensor(w, ckpt, hf + "post_attention_layernorm.weight", gg + "ffn_norm.weight", null, matrix);
                tensor(w, ckpt, hf + "mlp.gate_proj.weight", gg + "ffn_gate.weight", null, matrix);
                tensor(w, ckpt, hf + "mlp.up_proj.weight", gg + "ffn_up.weight", null, matrix);
                tensor(w, ckpt, hf + "mlp.down_proj.weight", gg + "ffn_down.weight", null, matrix);
            }
            tensor(w, ckpt, "model.norm.weight", "output_norm.weight", null, matrix);
            if (!c.tieWordEmbeddings()) {
                // tied models carry no output.weight: llama.cpp then reuses token_embd, as HF does
                tensor(w, ckpt, "lm_head.weight", "output.weight", null, matrix);
            }
            w.write(out);
        }
    }

    /**
     * Adds one tensor; {@code ropeHeads} (one entry: the head count) marks q/k rows to permute for llama.cpp's RoPE.
     * A 2-D tensor is stored as {@code matrix}, anything else (norms, biases) in f32, as llama.cpp's converter does
     * ("most of the codebase that takes in 1D tensors or norms only handles F32 tensors"). Rows are permuted in f32,
     * then rounded.
     */
    private static void tensor(
            GgufWriter w,
            Checkpoint ckpt,
            String hfName,
            String ggufName,
            int[] ropeHeads,
            GgufWriter.GgmlType matrix) {
        if (!ckpt.contains(hfName)) {
            throw new RasdException("Checkpoint " + ckpt.directory() + " has no tensor \"" + hfName
                    + "\", which the GGUF tensor " + ggufName + " needs");
        }
        TensorData t = ckpt.tensor(hfName);
        GgufWriter.GgmlType type = t.shape().length == 2 ? matrix : GgufWriter.GgmlType.F32;
        w.addTensor(ggufName, t.shape(), type, () -> {
            ByteBuffer f32 = t.toF32();
            ByteBuffer rows = ropeHeads == null ? f32 : permuteRows(f32, t.shape(), ropeHeads[0]);
            return type == GgufWriter.GgmlType.F16 ? Half.fromF32(rows) : rows;
        });
    }

    /**
     * llama.cpp's converter: {@code w.reshape(heads, 2, rows/heads/2, *rest).swapaxes(1, 2).reshape(w.shape)}. Within
     * each head, output row {@code 2i + j} is input row {@code j·half + i}: the halves HF rotates together become the
     * adjacent pairs llama.cpp rotates. Works for weights {@code [rows, in]} and biases {@code [rows]}.
     */
    static ByteBuffer permuteRows(ByteBuffer f32, long[] shape, int heads) {
        int rows = Math.toIntExact(shape[0]);
        int cols = shape.length > 1 ? Math.toIntExact(shape[1]) : 1;
        if (rows % (2 * heads) != 0) {
            throw new RasdException(
                    "GGUF export: " + rows + " rows do not split into " + heads + " heads of even width");
        }
        int headDim = rows / heads;
        int half = headDim / 2;
        FloatBuffer in = f32.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer o = out.asFloatBuffer();
        float[] row = new float[cols];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int src = h * headDim + j * half + i;
                    int dst = h * headDim + 2 * i + j;
                    in.get(src * cols, row);
                    o.put(dst * cols, row);
                }
            }
        }
        return out;
    }

    private static ByteBuffer floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b;
    }

    /**
     * The vocabulary as llama.cpp's {@code gpt2} tokenizer model wants it: tokens by id (in the byte-level alphabet,
     * as tokenizer.json stores them), their types, the merges, the pre-tokenizer's name and the special ids.
     */
    record GgufTokenizer(
            List<String> tokens,
            int[] types,
            List<String> merges,
            String pre,
            int bos,
            int eos,
            int pad,
            boolean addBos,
            String chatTemplate) {

        static final int NORMAL = 1;
        static final int CONTROL = 3;
        static final int USER_DEFINED = 4;
        static final int UNUSED = 5;

        static GgufTokenizer from(Path dir, int vocabSize, GenerationConfig gen) {
            Path file = dir.resolve("tokenizer.json");
            JsonObject root = readJson(file);
            JsonObject model = root.getAsJsonObject("model");
            if (model == null || !"BPE".equals(string(model, "type"))) {
                throw new RasdException(file + ": model.type is " + (model == null ? "missing" : string(model, "type"))
                        + "; only byte-level BPE tokenizers (GPT-2 style) can be exported to GGUF");
            }
            String pre = preTokenizer(file, root.get("pre_tokenizer"));
            String[] byId = new String[vocabSize];
            int[] types = new int[vocabSize];
            for (Map.Entry<String, JsonElement> e :
                    model.getAsJsonObject("vocab").entrySet()) {
                int id = e.getValue().getAsInt();
                if (id < 0 || id >= vocabSize) {
                    throw new RasdException(file + ": token \"" + e.getKey() + "\" has id " + id
                            + ", outside the model's vocab_size " + vocabSize);
                }
                byId[id] = e.getKey();
                types[id] = NORMAL;
            }
            JsonArray added = root.has("added_tokens") ? root.getAsJsonArray("added_tokens") : new JsonArray();
            for (JsonElement el : added) {
                JsonObject a = el.getAsJsonObject();
                int id = a.get("id").getAsInt();
                if (id < 0 || id >= vocabSize) {
                    throw new RasdException(file + ": added token " + a.get("content") + " has id " + id
                            + ", outside the model's vocab_size " + vocabSize);
                }
                byId[id] = a.get("content").getAsString();
                types[id] = a.has("special") && a.get("special").getAsBoolean() ? CONTROL : USER_DEFINED;
            }
            List<String> tokens = new ArrayList<>(vocabSize);
            for (int i = 0; i < vocabSize; i++) {
                if (byId[i] == null) {
                    // the embedding has more rows than the tokenizer has tokens (padded vocabularies)
                    byId[i] = "[PAD" + i + "]";
                    types[i] = UNUSED;
                }
                tokens.add(byId[i]);
            }
            List<String> merges = new ArrayList<>();
            for (JsonElement m : model.getAsJsonArray("merges")) {
                // tokenizers >= 0.20 store a merge as a pair, older ones as "left right"
                merges.add(
                        m.isJsonArray()
                                ? m.getAsJsonArray().get(0).getAsString() + " "
                                        + m.getAsJsonArray().get(1).getAsString()
                                : m.getAsString());
            }
            JsonObject tokConfig = Files.exists(dir.resolve("tokenizer_config.json"))
                    ? readJson(dir.resolve("tokenizer_config.json"))
                    : new JsonObject();
            String template = tokConfig.has("chat_template")
                            && tokConfig.get("chat_template").isJsonPrimitive()
                    ? tokConfig.get("chat_template").getAsString()
                    : null;
            int pad = tokConfig.has("pad_token") && tokConfig.get("pad_token").isJsonPrimitive()
                    ? tokens.indexOf(tokConfig.get("pad_token").getAsString())
                    : -1;
            int[] eos = gen.eosTokenIds();
            return new GgufTokenizer(
                    tokens,
                    types,
                    merges,
                    pre,
                    gen.bosTokenId(),
                    eos.length > 0 ? eos[0] : -1,
                    pad,
                    addsBos(root.get("post_processor"), gen.bosTokenId()),
                    template);
        }

        void writeTo(GgufWriter w) {
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", pre);
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putStringArray("tokenizer.ggml.merges", merges);
            if (bos >= 0) {
                w.putUInt32("tokenizer.ggml.bos_token_id", bos);
            }
            if (eos >= 0) {
                w.putUInt32("tokenizer.ggml.eos_token_id", eos);
            }
            if (pad >= 0) {
                w.putUInt32("tokenizer.ggml.padding_token_id", pad);
            }
            w.putBool("tokenizer.ggml.add_bos_token", addBos);
            w.putBool("tokenizer.ggml.add_eos_token", false);
            if (chatTemplate != null) {
                w.putString("tokenizer.chat_template", chatTemplate);
            }
        }

        /**
         * llama.cpp names pre-tokenizers instead of storing their regex: plain ByteLevel with its regex is
         * {@code gpt-2}. Anything else would tokenize differently there, so it is refused rather than guessed.
         */
        private static String preTokenizer(Path file, JsonElement pre) {
            if (pre != null && pre.isJsonObject()) {
                JsonObject p = pre.getAsJsonObject();
                if ("ByteLevel".equals(string(p, "type"))
                        && (!p.has("use_regex") || p.get("use_regex").getAsBoolean())
                        && (!p.has("add_prefix_space")
                                || !p.get("add_prefix_space").getAsBoolean())) {
                    return "gpt-2";
                }
            }
            throw new RasdException(file + ": pre_tokenizer " + pre + " is not GPT-2's byte-level split (ByteLevel"
                    + " with use_regex=true, add_prefix_space=false); llama.cpp would split text differently");
        }

        /** Whether the post-processor puts the BOS token first (HF's TemplateProcessing, as Llama tokenizers do). */
        private static boolean addsBos(JsonElement post, int bos) {
            if (post == null || !post.isJsonObject() || bos < 0) {
                return false;
            }
            JsonObject p = post.getAsJsonObject();
            if ("Sequence".equals(string(p, "type"))) {
                for (JsonElement e : p.getAsJsonArray("processors")) {
                    if (addsBos(e, bos)) {
                        return true;
                    }
                }
                return false;
            }
            if ("TemplateProcessing".equals(string(p, "type")) && p.has("single")) {
                JsonArray single = p.getAsJsonArray("single");
                return !single.isEmpty() && single.get(0).getAsJsonObject().has("SpecialToken");
            }
            return false;
        }

        private static String string(JsonObject o, String key) {
            JsonElement e = o.get(key);
            return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
        }

        private static JsonObject readJson(Path file) {
            try {
                return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            } catch (IOException e) {
                throw new RasdException("Cannot read " + file + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new RasdException(file + " is not a JSON object: " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return "GgufTokenizer[" + tokens.size() + " tokens, " + merges.size() + " merges, pre=" + pre + ", bos="
                    + bos + ", eos=" + eos + ", types="
                    + Arrays.stream(types).distinct().count() + " kinds]";
        }
    }
}
