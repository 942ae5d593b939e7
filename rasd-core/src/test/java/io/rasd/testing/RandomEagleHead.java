package io.rasd.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.model.DType;
import io.rasd.model.SafeTensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a random EAGLE-1/2 head in the published layout for a target checkpoint: the target's config with one layer
 * (and {@code "bias"} as asked), {@code fc}, {@code layers.0.*} without an input norm, optionally its own embedding.
 */
public final class RandomEagleHead {

    private RandomEagleHead() {}

    public static Path write(Path targetDir, Path dir, long seed, boolean fcBias, boolean ownEmbedding) {
        try {
            JsonObject config = JsonParser.parseString(Files.readString(targetDir.resolve("config.json")))
                    .getAsJsonObject();
            config.addProperty("num_hidden_layers", 1);
            config.addProperty("bias", fcBias);
            config.remove("tie_word_embeddings");
            int h = config.get("hidden_size").getAsInt();
            int vocab = config.get("vocab_size").getAsInt();
            int inter = config.get("intermediate_size").getAsInt();
            int heads = config.get("num_attention_heads").getAsInt();
            int kv = config.has("num_key_value_heads")
                    ? config.get("num_key_value_heads").getAsInt()
                    : heads;
            int hd = config.has("head_dim") ? config.get("head_dim").getAsInt() : h / heads;
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), config.toString());
            SplittableRandom r = new SplittableRandom(seed);
            SafeTensorsWriter w = new SafeTensorsWriter();
            if (ownEmbedding) {
                w.put("embed_tokens.weight", DType.F32, new long[] {vocab, h}, gaussian(r, vocab * h, 1.0));
            }
            w.put("fc.weight", DType.F32, new long[] {h, 2L * h}, gaussian(r, 2 * h * h, 1 / Math.sqrt(2 * h)));
            if (fcBias) {
                w.put("fc.bias", DType.F32, new long[] {h}, gaussian(r, h, 0.1));
            }
            double s = 1 / Math.sqrt(h);
            w.put(
                    "layers.0.self_attn.q_proj.weight",
                    DType.F32,
                    new long[] {heads * hd, h},
                    gaussian(r, heads * hd * h, s));
            w.put("layers.0.self_attn.k_proj.weight", DType.F32, new long[] {kv * hd, h}, gaussian(r, kv * hd * h, s));
            w.put("layers.0.self_attn.v_proj.weight", DType.F32, new long[] {kv * hd, h}, gaussian(r, kv * hd * h, s));
            w.put(
                    "layers.0.self_attn.o_proj.weight",
                    DType.F32,
                    new long[] {h, heads * hd},
                    gaussian(r, h * heads * hd, s));
            w.put("layers.0.mlp.gate_proj.weight", DType.F32, new long[] {inter, h}, gaussian(r, inter * h, s));
            w.put("layers.0.mlp.up_proj.weight", DType.F32, new long[] {inter, h}, gaussian(r, inter * h, s));
            w.put(
                    "layers.0.mlp.down_proj.weight",
                    DType.F32,
                    new long[] {h, inter},
                    gaussian(r, h * inter, 1 / Math.sqrt(inter)));
            float[] ones = new float[h];
            java.util.Arrays.fill(ones, 1f);
            w.put("layers.0.post_attention_layernorm.weight", DType.F32, new long[] {h}, ones);
            w.write(dir.resolve("model.safetensors"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: SplittableRandom has no nextGaussian on Java 17
            double u = 1 - r.nextDouble();
            double v = r.nextDouble();
            out[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * scale);
        }
        return out;
    }
}
