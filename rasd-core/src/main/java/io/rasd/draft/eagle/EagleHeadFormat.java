package io.rasd.draft.eagle;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.model.Checkpoint;
import io.rasd.model.DType;
import io.rasd.model.ModelConfig;
import io.rasd.model.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an EAGLE draft-head directory holds, checked against the target it drafts for, before any weight is loaded.
 *
 * <p>The layout is SafeAILab/EAGLE's EAGLE-1/2 head ({@code eagle/model/cnets1.py}, loaded by {@code ea_model.py}):
 * {@code config.json} is a {@code LlamaForCausalLM} config with {@code num_hidden_layers: 1}; an optional boolean
 * {@code "bias"} says whether {@code fc} has a bias, and the reference loader reads a missing key as {@code true};
 * an optional {@code "qkv_bias"} adds q/k/v biases. The weights are {@code embed_tokens.weight} [V, H] (optional: when
 * absent the target's embedding is used), {@code fc.weight} [H, 2H] (input: embedding first, feature second),
 * {@code fc.bias} [H], {@code layers.0.self_attn.{q,k,v,o}_proj.weight}, {@code layers.0.mlp.{gate,up,down}_proj.weight}
 * and {@code layers.0.post_attention_layernorm.weight}; layer 0 has no input norm, and there is no final norm and no
 * {@code lm_head} (the target's is used). The head's attention uses head_dim = hidden_size / num_attention_heads, its
 * own heads and RoPE settings from its config.
 *
 * <p>Anything else is an error naming the file, the key or tensor, and what was expected: the reference loader
 * ({@code load_state_dict(strict=False)}) would silently skip a misnamed tensor, leave a missing {@code fc.bias} at
 * its random initial value, or ignore one the config does not ask for.
 *
 * @param directory the head directory
 * @param variant the head's design; only EAGLE-1/2 for now
 * @param config the head's own {@code config.json}: its attention heads, RoPE settings and {@code rms_norm_eps}
 * @param hasFcBias whether {@code fc.bias} is present (the config's {@code "bias"}, default true, decides)
 * @param hasQkvBias whether q/k/v carry biases ({@code "qkv_bias"}, default false)
 * @param hasEmbedding whether the head has its own {@code embed_tokens.weight}; else the target's is used
 * @param hiddenSize the hidden size, equal to the target's
 * @param vocabSize the vocabulary size, equal to the target's
 * @param tensors every tensor of the head, by name
 * @param eagle3 what only an EAGLE-3 head has (null for EAGLE-1/2)
 */
public record EagleHeadFormat(
        Path directory,
        Variant variant,
        ModelConfig config,
        boolean hasFcBias,
        boolean hasQkvBias,
        boolean hasEmbedding,
        int hiddenSize,
        int vocabSize,
        List<TensorInfo> tensors,
        Eagle3 eagle3) {

    /** The head designs rasd knows. EAGLE-1 and EAGLE-2 heads have the same weights. */
    public enum Variant {
        EAGLE_1_2,
        EAGLE_3
    }

    /**
     * An EAGLE-3 head's own parts.
     *
     * @param layerPrefix {@code "midlayer."} (SafeAILab's layout) or {@code "layers.0."} (converted heads)
     * @param featureLayers the target layers whose inputs the head reads, ascending: the config's
     *     {@code eagle_aux_hidden_state_layer_ids}, else the reference's 2, L/2 and L-3 (0-based, L = the target's
     *     layer count; the reference captures the residual stream entering each, {@code modeling_llama_kv.py})
     * @param draftToTarget the target id of each draft id, {@code d + d2t[d]} (the identity when the draft vocabulary
     *     is the target's and the file has no {@code d2t})
     */
    public record Eagle3(String layerPrefix, List<Integer> featureLayers, int[] draftToTarget) {
        public Eagle3 {
            featureLayers = List.copyOf(featureLayers);
        }

        public int draftVocabSize() {
            return draftToTarget.length;
        }
    }

    /** One tensor of the head: its name, storage type and shape. */
    public record TensorInfo(String name, DType dtype, List<Long> shape) {}

    public static final String EMBED = "embed_tokens.weight";
    public static final String FC_WEIGHT = "fc.weight";
    public static final String FC_BIAS = "fc.bias";
    public static final String LAYER = "layers.0.";

    /** Architectures of EAGLE-3 heads (SafeAILab/EAGLE; vLLM maps the second name too). */
    static final Set<String> EAGLE3_ARCHITECTURES = Set.of("LlamaForCausalLMEagle3", "Eagle3LlamaForCausalLM");

    private static final long MAX_HEADER_BYTES = 100L << 20;

    public EagleHeadFormat {
        tensors = List.copyOf(tensors);
    }

    /**
     * Reads {@code dir} and checks it is an EAGLE-1/2 head for {@code target}.
     *
     * @throws RasdException naming the file and the key or tensor, and what was expected
     */
    public static EagleHeadFormat inspect(Path dir, ModelConfig target) {
        if (!Files.isDirectory(dir)) {
            throw new RasdException("EAGLE head directory " + dir + " does not exist or is not a directory");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new RasdException("Missing " + configFile + ": an EAGLE head directory needs config.json (a"
                    + " LlamaForCausalLM config with num_hidden_layers 1) beside its weights");
        }
        JsonObject json = readJson(configFile);
        String arch = firstArchitecture(json);
        boolean eagle3 = (arch != null && EAGLE3_ARCHITECTURES.contains(arch)) || json.has("draft_vocab_size");

        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        Path weightsFile;
        Set<String> names;
        if (Files.exists(single)) {
            weightsFile = single;
            names = headerNames(single);
        } else if (Files.exists(index)) {
            weightsFile = index;
            names = indexNames(index);
        } else {
            throw noSafetensors(dir);
        }
        if (names == null) {
            // unreadable header or index: let the project's reader say what is wrong with it
            Checkpoint.open(dir).close();
            throw new RasdException("Cannot read the tensor names of " + weightsFile);
        }
        if (eagle3) {
            return Eagle3Format.inspect(dir, json, configFile, weightsFile, names, target);
        }
        for (String n : names) {
            if (n.startsWith("midlayer.") || n.equals("d2t") || n.equals("t2d")) {
                throw new RasdException(weightsFile + " has tensor \"" + n + "\", which only EAGLE-3 heads have, but "
                        + configFile + " does not say EAGLE-3: expected architectures [\"LlamaForCausalLMEagle3\"] and"
                        + " \"draft_vocab_size\" for an EAGLE-3 head");
            }
        }

        ModelConfig head = ModelConfig.read(dir);
        if (head.numLayers() != 1) {
            throw new RasdException(configFile + ": num_hidden_layers = " + head.numLayers()
                    + "; an EAGLE-1/2 head has exactly 1 decoder layer");
        }
        if (head.hiddenSize() != target.hiddenSize()) {
            throw new RasdException(configFile + ": hidden_size = " + head.hiddenSize() + " but the target's is "
                    + target.hiddenSize() + "; an EAGLE head must have the hidden size of the target it drafts for");
        }
        if (head.vocabSize() != target.vocabSize()) {
            throw new RasdException(configFile + ": vocab_size = " + head.vocabSize() + " but the target's is "
                    + target.vocabSize() + "; an EAGLE-1/2 head shares the target's vocabulary (its lm_head)");
        }
        int h = head.hiddenSize();
        if (h % head.numHeads() != 0 || head.headDim() != h / head.numHeads()) {
            throw new RasdException(configFile + ": head_dim = " + head.headDim() + " with hidden_size " + h
                    + " and num_attention_heads " + head.numHeads() + "; the EAGLE-1/2 head (cnets1.py) uses"
                    + " head_dim = hidden_size / num_attention_heads, which must be a whole number");
        }
        boolean fcBias = optBool(json, "bias", true, configFile);
        boolean qkvBias = optBool(json, "qkv_bias", false, configFile);

        Map<String, long[]> expected = expectedShapes(head, fcBias, qkvBias);
        boolean fcBiasPresent = names.contains(FC_BIAS);
        if (fcBias && !fcBiasPresent) {
            String why = json.has("bias")
                    ? "says \"bias\": true"
                    : "has no \"bias\" key, which the reference loader (ea_model.py) reads as true,";
            throw new RasdException(configFile + " " + why + " but " + weightsFile + " has no tensor \"" + FC_BIAS
                    + "\"; if the head was trained without one, set \"bias\": false in config.json");
        }
        if (!fcBias && fcBiasPresent) {
            throw new RasdException(configFile + " says \"bias\": false but " + weightsFile + " has tensor \"" + FC_BIAS
                    + "\"; remove the \"bias\" key (or set it to true) if the head was trained with it");
        }

        boolean hasEmbedding = names.contains(EMBED);
        Set<String> unexpected = new TreeSet<>(names);
        unexpected.removeAll(expected.keySet());
        unexpected.remove(EMBED);
        if (!unexpected.isEmpty()) {
            throw new RasdException(weightsFile + ": tensors " + unexpected + " are not part of an EAGLE-1/2 head;"
                    + " expected only " + expected.keySet() + " and optionally " + EMBED
                    + " (layer 0 has no input_layernorm, and there is no final norm or lm_head)");
        }
        if (hasEmbedding) {
            expected.put(EMBED, new long[] {head.vocabSize(), h});
        }

        List<TensorInfo> infos = new ArrayList<>();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                String name = e.getKey();
                long[] want = e.getValue();
                if (!names.contains(name)) {
                    throw new RasdException(weightsFile + ": missing tensor \"" + name + "\" (expected shape "
                            + Arrays.toString(want) + ") of the EAGLE-1/2 head");
                }
                TensorData t = ckpt.tensor(name);
                if (!Arrays.equals(t.shape(), want)) {
                    String hint = name.equals(FC_WEIGHT)
                                    && t.shape().length == 2
                                    && t.shape()[0] == h
                                    && t.shape()[1] == 3L * h
                            ? " ([H, 3H] is an EAGLE-3 fc: an EAGLE-3 config.json says architectures"
                                    + " [\"LlamaForCausalLMEagle3\"] and \"draft_vocab_size\")"
                            : "";
                    throw new RasdException(t.file() + ": tensor \"" + name + "\" has shape " + t.shapeString()
                            + "; expected " + Arrays.toString(want) + hint);
                }
                infos.add(new TensorInfo(
                        name, t.dtype(), Arrays.stream(want).boxed().toList()));
            }
        }
        infos.sort((a, b) -> a.name().compareTo(b.name()));
        return new EagleHeadFormat(
                dir, Variant.EAGLE_1_2, head, fcBias, qkvBias, hasEmbedding, h, head.vocabSize(), infos, null);
    }

    /**
     * Whether {@code dir} looks like an EAGLE head rather than a standalone draft LM, for {@code --draft DIR}: its
     * config.json says one hidden layer and its weights have {@code fc.weight}. A one-layer directory holding only
     * {@code pytorch_model.bin} also counts, so that {@link #inspect} can say how to convert it. Never throws.
     */
    public static boolean looksLikeEagleHead(Path dir) {
        try {
            JsonObject json = readJson(dir.resolve("config.json"));
            JsonElement layers = json.get("num_hidden_layers");
            if (layers == null || !layers.isJsonPrimitive() || layers.getAsInt() != 1) {
                return false;
            }
            Path single = dir.resolve("model.safetensors");
            Path index = dir.resolve("model.safetensors.index.json");
            Set<String> names;
            if (Files.exists(single)) {
                names = headerNames(single);
            } else if (Files.exists(index)) {
                names = indexNames(index);
            } else {
                return Files.exists(dir.resolve("pytorch_model.bin"));
            }
            return names != null && names.contains(FC_WEIGHT);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The shapes an EAGLE-1/2 head of this config must have, embedding aside. */
    private static Map<String, long[]> expectedShapes(ModelConfig c, boolean fcBias, boolean qkvBias) {
        long h = c.hiddenSize();
        long hd = c.hiddenSize() / c.numHeads();
        long q = c.numHeads() * hd;
        long kv = c.numKvHeads() * hd;
        long inter = c.intermediateSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(FC_WEIGHT, new long[] {h, 2 * h});
        if (fcBias) {
            m.put(FC_BIAS, new long[] {h});
        }
        m.put(LAYER + "self_attn.q_proj.weight", new long[] {q, h});
        m.put(LAYER + "self_attn.k_proj.weight", new long[] {kv, h});
        m.put(LAYER + "self_attn.v_proj.weight", new long[] {kv, h});
        if (qkvBias) {
            m.put(LAYER + "self_attn.q_proj.bias", new long[] {q});
            m.put(LAYER + "self_attn.k_proj.bias", new long[] {kv});
            m.put(LAYER + "self_attn.v_proj.bias", new long[] {kv});
        }
        m.put(LAYER + "self_attn.o_proj.weight", new long[] {h, q});
        m.put(LAYER + "mlp.gate_proj.weight", new long[] {inter, h});
        m.put(LAYER + "mlp.up_proj.weight", new long[] {inter, h});
        m.put(LAYER + "mlp.down_proj.weight", new long[] {h, inter});
        m.put(LAYER + "post_attention_layernorm.weight", new long[] {h});
        return m;
    }

    static RasdException noSafetensors(Path dir) {
        Path bin = dir.resolve("pytorch_model.bin");
        if (Files.exists(bin) || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
            return new RasdException(dir + " has pytorch_model.bin but no model.safetensors; rasd reads only"
                    + " safetensors (a pickle can run code). Convert it once, e.g.:\n"
                    + "  python -c \"import torch, safetensors.torch as st;"
                    + " sd = torch.load('" + bin + "', map_location='cpu', weights_only=True);"
                    + " st.save_file({k: v.contiguous() for k, v in sd.items()}, '" + dir.resolve("model.safetensors")
                    + "', metadata={'format': 'pt'})\"\n"
                    + "or with the EAGLE converter of vllm-project/speculators (src/speculators/convert/eagle/)");
        }
        return new RasdException("No weights in EAGLE head directory " + dir
                + ": expected model.safetensors (or model.safetensors" + ".index.json with its shards)");
    }

    static JsonObject readJson(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new RasdException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RasdException(file + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    private static String firstArchitecture(JsonObject json) {
        JsonElement a = json.get("architectures");
        if (a == null || !a.isJsonArray() || a.getAsJsonArray().isEmpty()) {
            return null;
        }
        JsonElement first = a.getAsJsonArray().get(0);
        return first.isJsonPrimitive() ? first.getAsString() : null;
    }

    static boolean optBool(JsonObject json, String key, boolean def, Path file) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new RasdException(file + ": \"" + key + "\" must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    /** The tensor names in a safetensors header, or null when the header cannot be read. */
    private static Set<String> headerNames(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(len, 0) != 8) {
                return null;
            }
            long headerLen = len.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > ch.size() - 8) {
                return null;
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            while (header.hasRemaining()) {
                if (ch.read(header, 8 + header.position()) < 0) {
                    return null;
                }
            }
            JsonObject root = JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            Set<String> names = new LinkedHashSet<>(root.keySet());
            names.remove("__metadata__");
            return names;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The tensor names of a {@code model.safetensors.index.json}, or null when it cannot be read. */
    private static Set<String> indexNames(Path index) {
        try {
            JsonElement wm = readJson(index).get("weight_map");
            return wm != null && wm.isJsonObject()
                    ? new LinkedHashSet<>(wm.getAsJsonObject().keySet())
                    : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
