package io.rasd.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The decoder hyper-parameters from a HF {@code config.json}, validated. Field names follow the HF keys.
 *
 * @param headDim per-head width; HF's {@code head_dim} when present (Qwen3 sets it independently of the hidden size)
 * @param attentionBias whether q, k, v carry a bias (always for Qwen2, {@code attention_bias} for Llama)
 * @param qkNorm whether each query and key head is RMS-normalised before RoPE (Qwen3)
 * @param slidingWindow Mistral's attention window, or 0 when attention sees the whole context
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        boolean qkNorm,
        int slidingWindow) {

    public ModelConfig {
        requirePositive(vocabSize, "vocab_size");
        requirePositive(hiddenSize, "hidden_size");
        requirePositive(intermediateSize, "intermediate_size");
        requirePositive(numLayers, "num_hidden_layers");
        requirePositive(numHeads, "num_attention_heads");
        requirePositive(numKvHeads, "num_key_value_heads");
        requirePositive(headDim, "head_dim");
        requirePositive(maxPositions, "max_position_embeddings");
        if (numHeads % numKvHeads != 0) {
            throw new RasdException("config.json: num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new RasdException("config.json: head_dim must be even for RoPE, got " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new RasdException("config.json: rms_norm_eps must be positive, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new RasdException("config.json: rope_theta must be positive, got " + ropeTheta);
        }
    }

    private static void requirePositive(int v, String key) {
        if (v <= 0) {
            throw new RasdException("config.json: " + key + " must be a positive integer, got " + v);
        }
    }

    public int queriesPerKvHead() {
        return numHeads / numKvHeads;
    }

    /**
     * The context window a model loaded with {@code maxContext} has (0: no bound below the model's own): at most
     * {@code max_position_embeddings}, and within Mistral's sliding window, where sliding-window attention still equals
     * the full attention rasd computes.
     */
    public int contextLimit(int maxContext) {
        int limit = maxPositions;
        if (slidingWindow > 0) {
            limit = Math.min(limit, slidingWindow);
        }
        return maxContext > 0 ? Math.min(limit, maxContext) : limit;
    }

    /** Bytes one token's keys and values take in an f32 KV cache: every layer's. */
    public long kvBytesPerToken() {
        return kvBytesPerToken(Precision.F32);
    }

    /** The same in a cache held in {@code p} (2 bytes an element for bf16 and f16; AUTO counts as f32). */
    public long kvBytesPerToken(Precision p) {
        return 2L * numLayers * numKvHeads * headDim * (p.isHalf() ? 2 : Float.BYTES);
    }

    /** Approximate parameter count (weights only), for reports. */
    public long parameterCount() {
        long attn = (long) hiddenSize * headDim * (numHeads * 2L + numKvHeads * 2L);
        long mlp = 3L * hiddenSize * intermediateSize;
        long perLayer = attn + mlp + 2L * hiddenSize;
        long embed = (long) vocabSize * hiddenSize;
        return embed * (tieWordEmbeddings ? 1 : 2) + perLayer * numLayers + hiddenSize;
    }

    /** Reads {@code dir/config.json}. */
    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        return parse(readJson(file), file.toString());
    }

    private static JsonObject readJson(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new RasdException("Missing " + file + ": a HF model directory needs config.json");
        } catch (IOException e) {
            throw new RasdException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RasdException(file + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    /**
     * A draft head's {@code config.json} whose {@code architectures} names a head design built from Llama layers (an
     * EAGLE-3 head: {@code LlamaForCausalLMEagle3}): read as a Llama config, every other key as for a model.
     */
    public static ModelConfig readAsLlama(Path dir) {
        Path file = dir.resolve("config.json");
        JsonObject json = readJson(file);
        com.google.gson.JsonArray llama = new com.google.gson.JsonArray();
        llama.add(Architecture.LLAMA.hfName());
        json.add("architectures", llama);
        return parse(json, file.toString());
    }

    static ModelConfig parse(JsonObject json, String source) {
        JsonElement archs = json.get("architectures");
        if (archs == null || !archs.isJsonArray() || archs.getAsJsonArray().isEmpty()) {
            throw new RasdException(source + ": missing \"architectures\"; expected e.g. [\"LlamaForCausalLM\"]");
        }
        Architecture arch =
                Architecture.fromHfName(archs.getAsJsonArray().get(0).getAsString(), source);

        String act = optString(json, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new RasdException(source + ": hidden_act = \"" + act + "\" is not supported; expected \"silu\"");
        }
        int hidden = reqInt(json, "hidden_size", source);
        int heads = reqInt(json, "num_attention_heads", source);
        int kvHeads = optInt(json, "num_key_value_heads", heads);
        int headDim = optInt(json, "head_dim", heads > 0 ? hidden / heads : 0);

        // transformers >= 5 nests theta and scaling in "rope_parameters"; older configs use rope_theta + rope_scaling.
        JsonObject ropeParams = optObject(json, "rope_parameters");
        double theta = optDouble(
                json, "rope_theta", ropeParams != null ? optDouble(ropeParams, "rope_theta", 10000.0) : 10000.0);
        JsonObject scaling = optObject(json, "rope_scaling");
        if (scaling == null) {
            scaling = ropeParams;
        }
        RopeScaling rope = parseRope(scaling);
        double partial = optDouble(json, "partial_rotary_factor", 1.0);
        if (partial != 1.0) {
            throw new RasdException(
                    source + ": partial_rotary_factor = " + partial + " is not supported; expected 1.0");
        }

        boolean bias = switch (arch) {
            case QWEN2 -> true;
            default -> optBool(json, "attention_bias", false);
        };
        int window = 0;
        JsonElement sw = json.get("sliding_window");
        boolean useSliding = arch == Architecture.MISTRAL || optBool(json, "use_sliding_window", false);
        if (useSliding && sw != null && !sw.isJsonNull()) {
            window = sw.getAsInt();
        }
        return new ModelConfig(
                arch,
                reqInt(json, "vocab_size", source),
                hidden,
                reqInt(json, "intermediate_size", source),
                reqInt(json, "num_hidden_layers", source),
                heads,
                kvHeads,
                headDim,
                optInt(json, "max_position_embeddings", 2048),
                optDouble(json, "rms_norm_eps", 1e-6),
                theta,
                rope,
                optBool(json, "tie_word_embeddings", false),
                bias,
                optBool(json, "mlp_bias", false),
                arch == Architecture.QWEN3,
                window);
    }

    private static RopeScaling parseRope(JsonObject s) {
        if (s == null) {
            return RopeScaling.NONE;
        }
        String type = optString(s, "rope_type", optString(s, "type", "default"));
        return new RopeScaling(
                type,
                optDouble(s, "factor", 1.0),
                optDouble(s, "low_freq_factor", 1.0),
                optDouble(s, "high_freq_factor", 4.0),
                optInt(s, "original_max_position_embeddings", 0));
    }

    private static int reqInt(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new RasdException(source + ": missing required key \"" + key + "\"");
        }
        try {
            return e.getAsInt();
        } catch (RuntimeException ex) {
            throw new RasdException(source + ": \"" + key + "\" must be an integer, got " + e);
        }
    }

    private static int optInt(JsonObject o, String key, int def) {
        JsonElement e = o.get(key);
        try {
            return e == null || e.isJsonNull() ? def : e.getAsInt();
        } catch (RuntimeException ex) {
            throw new RasdException("config.json: \"" + key + "\" must be an integer, got " + e);
        }
    }

    private static double optDouble(JsonObject o, String key, double def) {
        JsonElement e = o.get(key);
        try {
            return e == null || e.isJsonNull() ? def : e.getAsDouble();
        } catch (RuntimeException ex) {
            throw new RasdException("config.json: \"" + key + "\" must be a number, got " + e);
        }
    }

    private static boolean optBool(JsonObject o, String key, boolean def) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? def : e.getAsBoolean();
    }

    private static String optString(JsonObject o, String key, String def) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? def : e.getAsString();
    }

    private static JsonObject optObject(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }
}
