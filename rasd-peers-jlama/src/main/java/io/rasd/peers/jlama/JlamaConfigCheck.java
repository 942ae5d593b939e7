package io.rasd.peers.jlama;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.model.Architecture;
import io.rasd.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The config.json settings jlama 0.8.4's LlamaConfig does not read, or reads differently from HF, and would silently
 * run a different model with: a benchmark must refuse them rather than compare speeds of different computations.
 * rasd's own reading ({@link ModelConfig}) is the reference.
 */
final class JlamaConfigCheck {

    private JlamaConfigCheck() {}

    static void check(Path dir) {
        ModelConfig rasd = ModelConfig.read(dir);
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(dir.resolve("config.json")))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new RasdException("Cannot read " + dir.resolve("config.json") + ": " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        // jlama has no head_dim: it divides hidden_size by the number of heads
        if (rasd.headDim() * rasd.numHeads() != rasd.hiddenSize()) {
            problems.add("head_dim " + rasd.headDim() + " is not hidden_size / num_attention_heads ("
                    + rasd.hiddenSize() / rasd.numHeads() + "), which jlama assumes");
        }
        // jlama reads a top-level rope_theta only (transformers 5 nests it in rope_parameters), 10000 without one
        JsonElement top = json.get("rope_theta");
        double jlamaTheta = top != null && top.isJsonPrimitive() ? top.getAsDouble() : 10000.0;
        if (jlamaTheta != rasd.ropeTheta()) {
            problems.add("rope_theta is " + rasd.ropeTheta() + " but jlama would use " + jlamaTheta
                    + " (it reads only a top-level rope_theta)");
        }
        // jlama applies rope_scaling only when its "rope_type" is "linear" (and ignores llama3, yarn, ...)
        String scaling = rasd.ropeScaling().type();
        if (!scaling.equals("default")) {
            JsonObject rs = json.has("rope_scaling") && json.get("rope_scaling").isJsonObject()
                    ? json.getAsJsonObject("rope_scaling")
                    : null;
            boolean jlamaLinear = rs != null
                    && rs.has("rope_type")
                    && rs.get("rope_type").getAsString().equals("linear");
            if (!scaling.equals("linear") || !jlamaLinear) {
                problems.add("RoPE scaling \"" + scaling + "\", which jlama would "
                        + (scaling.equals("linear") ? "not find (it looks for rope_scaling.rope_type)" : "ignore"));
            }
        }
        // jlama's Llama has no attention or MLP biases (its Qwen2 has attention biases)
        if (rasd.architecture() == Architecture.LLAMA && (rasd.attentionBias() || rasd.mlpBias())) {
            problems.add("attention_bias/mlp_bias, which jlama's Llama does not load");
        }
        if (rasd.qkNorm()) {
            problems.add("per-head q/k RMS norms (Qwen3), which jlama does not have");
        }
        if (!problems.isEmpty()) {
            throw new RasdException("jlama would not run " + dir + " as HF does: " + String.join("; ", problems));
        }
    }
}
