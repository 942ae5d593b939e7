package io.rasd.draft.eagle;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.draft.eagle.EagleHeadFormat.Eagle3;
import io.rasd.draft.eagle.EagleHeadFormat.TensorInfo;
import io.rasd.draft.eagle.EagleHeadFormat.Variant;
import io.rasd.model.Checkpoint;
import io.rasd.model.DType;
import io.rasd.model.ModelConfig;
import io.rasd.model.TensorData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The EAGLE-3 half of {@link EagleHeadFormat#inspect}: SafeAILab/EAGLE's {@code eagle/model/cnets.py} layout, loaded
 * by {@code ea_model.py} with {@code use_eagle3}.
 *
 * <p>{@code config.json}: architectures {@code LlamaForCausalLMEagle3} (or {@code Eagle3LlamaForCausalLM}),
 * {@code num_hidden_layers} 1, {@code vocab_size} the target's, {@code draft_vocab_size} (the head's own output
 * vocabulary), optional {@code target_hidden_size} (must be the target's) and {@code eagle_aux_hidden_state_layer_ids}
 * (top level or under {@code eagle_config}). Tensors: {@code fc.weight} [H, 3·Ht] (no bias); the layer
 * ({@code midlayer.*}, or {@code layers.0.*} as converters name it) with {@code self_attn.{q,k,v}_proj.weight} reading
 * 2H, {@code o_proj}, {@code mlp.*}, {@code hidden_norm}, {@code input_layernorm} and {@code post_attention_layernorm};
 * {@code norm.weight} [H]; {@code lm_head.weight} [draft vocab, H]; {@code d2t} [draft vocab] (I64; a draft id d is
 * target id d + d2t[d]; may be absent when the draft vocabulary is the target's); optional {@code t2d} [V] (BOOL, the
 * inverse map's mask: not needed to draft) and {@code embed_tokens.weight} [V, H] (else the target's embedding).
 */
final class Eagle3Format {

    private Eagle3Format() {}

    static EagleHeadFormat inspect(
            Path dir, JsonObject json, Path configFile, Path weightsFile, Set<String> names, ModelConfig target) {
        ModelConfig head = ModelConfig.readAsLlama(dir);
        if (head.numLayers() != 1) {
            throw new RasdException(configFile + ": num_hidden_layers = " + head.numLayers()
                    + "; an EAGLE-3 head has exactly 1 decoder layer");
        }
        if (head.vocabSize() != target.vocabSize()) {
            throw new RasdException(
                    configFile + ": vocab_size = " + head.vocabSize() + " but the target's is " + target.vocabSize()
                            + "; an EAGLE-3 head's vocab_size is its target's (draft_vocab_size is its own)");
        }
        int h = head.hiddenSize();
        int targetHidden = intKey(json, "target_hidden_size", h, configFile);
        if (targetHidden != target.hiddenSize()) {
            throw new RasdException(
                    configFile + ": " + (json.has("target_hidden_size") ? "target_hidden_size" : "hidden_size")
                            + " = " + targetHidden + " but the target's hidden_size is " + target.hiddenSize()
                            + "; an EAGLE-3 head reads three of its target's hidden states");
        }
        if (h % head.numHeads() != 0 || head.headDim() != h / head.numHeads()) {
            throw new RasdException(configFile + ": head_dim = " + head.headDim() + " with hidden_size " + h
                    + " and num_attention_heads " + head.numHeads() + "; the EAGLE-3 head (cnets.py) uses head_dim ="
                    + " hidden_size / num_attention_heads, which must be a whole number");
        }
        if (EagleHeadFormat.optBool(json, "norm_before_residual", false, configFile)) {
            throw new RasdException(configFile + ": \"norm_before_residual\": true (the speculators variant, whose"
                    + " residual is the normalised state) is not supported; rasd reads SafeAILab/EAGLE's layout, whose"
                    + " residual is the state before hidden_norm");
        }
        int draftVocab = intKey(json, "draft_vocab_size", head.vocabSize(), configFile);
        if (draftVocab < 1 || draftVocab > head.vocabSize()) {
            throw new RasdException(configFile + ": draft_vocab_size = " + draftVocab + "; expected 1.."
                    + head.vocabSize() + " (at most the target's vocabulary)");
        }
        String prefix = names.stream().anyMatch(n -> n.startsWith("midlayer.")) ? "midlayer." : "layers.0.";
        List<Integer> featureLayers = featureLayers(json, configFile, target.numLayers());

        Map<String, long[]> expected = expectedShapes(head, prefix, targetHidden, draftVocab);
        boolean hasD2t = names.contains("d2t");
        if (!hasD2t && draftVocab != head.vocabSize()) {
            throw new RasdException(weightsFile + ": missing tensor \"d2t\" [" + draftVocab + "] (I64): with"
                    + " draft_vocab_size " + draftVocab + " below vocab_size " + head.vocabSize() + " the head needs"
                    + " it to map its ids to the target's");
        }
        Set<String> optional = Set.of("d2t", "t2d", EagleHeadFormat.EMBED);
        Set<String> unexpected = new TreeSet<>(names);
        unexpected.removeAll(expected.keySet());
        unexpected.removeAll(optional);
        if (!unexpected.isEmpty()) {
            throw new RasdException(weightsFile + ": tensors " + unexpected + " are not part of an EAGLE-3 head;"
                    + " expected only " + expected.keySet() + " and optionally " + optional);
        }
        boolean hasEmbedding = names.contains(EagleHeadFormat.EMBED);
        if (hasEmbedding) {
            expected.put(EagleHeadFormat.EMBED, new long[] {head.vocabSize(), h});
        } else if (h != target.hiddenSize()) {
            throw new RasdException(weightsFile + ": no \"" + EagleHeadFormat.EMBED + "\" and hidden_size " + h
                    + " differs from the target's " + target.hiddenSize() + ", so the target's embedding cannot"
                    + " stand in for it");
        }
        if (hasD2t) {
            expected.put("d2t", new long[] {draftVocab});
        }
        if (names.contains("t2d")) {
            expected.put("t2d", new long[] {head.vocabSize()});
        }

        List<TensorInfo> infos = new ArrayList<>();
        int[] draftToTarget;
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                String name = e.getKey();
                if (!names.contains(name)) {
                    throw new RasdException(weightsFile + ": missing tensor \"" + name + "\" (expected shape "
                            + Arrays.toString(e.getValue()) + ") of the EAGLE-3 head");
                }
                TensorData t = ckpt.tensor(name);
                if (!Arrays.equals(t.shape(), e.getValue())) {
                    throw new RasdException(t.file() + ": tensor \"" + name + "\" has shape " + t.shapeString()
                            + "; expected " + Arrays.toString(e.getValue()));
                }
                DType want = name.equals("d2t") ? DType.I64 : name.equals("t2d") ? DType.BOOL : null;
                if (want != null ? t.dtype() != want : !t.dtype().isFloat()) {
                    throw new RasdException(t.file() + ": tensor \"" + name + "\" has dtype " + t.dtype()
                            + "; expected " + (want != null ? want : "F32, F16 or BF16"));
                }
                infos.add(new TensorInfo(
                        name, t.dtype(), Arrays.stream(e.getValue()).boxed().toList()));
            }
            draftToTarget = hasD2t ? draftToTarget(ckpt.tensor("d2t"), head.vocabSize()) : identity(draftVocab);
        }
        infos.sort((a, b) -> a.name().compareTo(b.name()));
        return new EagleHeadFormat(
                dir,
                Variant.EAGLE_3,
                head,
                false,
                false,
                hasEmbedding,
                h,
                head.vocabSize(),
                infos,
                new Eagle3(prefix, featureLayers, draftToTarget));
    }

    /**
     * The config's {@code eagle_aux_hidden_state_layer_ids} (top level, or under {@code eagle_config} as some exports
     * nest it), else the reference's defaults 2, L/2 and L-3; three distinct target layers, ascending (the order the
     * target computes them in, which is the order the reference concatenates them in).
     */
    static List<Integer> featureLayers(JsonObject json, Path configFile, int targetLayers) {
        JsonElement ids = json.get("eagle_aux_hidden_state_layer_ids");
        JsonElement nested = json.get("eagle_config");
        if ((ids == null || ids.isJsonNull()) && nested != null && nested.isJsonObject()) {
            ids = nested.getAsJsonObject().get("eagle_aux_hidden_state_layer_ids");
        }
        List<Integer> layers = new ArrayList<>();
        String source;
        if (ids == null || ids.isJsonNull()) {
            layers.addAll(List.of(2, targetLayers / 2, targetLayers - 3));
            source = "the reference's default layers 2, L/2 and L-3 for the target's L = " + targetLayers + ", "
                    + layers + ",";
        } else {
            if (!ids.isJsonArray()) {
                throw new RasdException(configFile + ": \"eagle_aux_hidden_state_layer_ids\" must be an array of"
                        + " three layer indices, got " + ids);
            }
            for (JsonElement e : ids.getAsJsonArray()) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                    throw new RasdException(configFile + ": \"eagle_aux_hidden_state_layer_ids\" must hold layer"
                            + " indices, got " + ids);
                }
                layers.add(e.getAsInt());
            }
            source = configFile + "'s eagle_aux_hidden_state_layer_ids " + layers;
        }
        boolean ascending = true;
        for (int i = 1; i < layers.size(); i++) {
            ascending &= layers.get(i) > layers.get(i - 1);
        }
        if (layers.size() != 3 || !ascending || layers.get(0) < 0 || layers.get(layers.size() - 1) >= targetLayers) {
            throw new RasdException(source + " are not three distinct target layers in ascending order within [0, "
                    + targetLayers + "): an EAGLE-3 head's fc reads exactly three; set"
                    + " \"eagle_aux_hidden_state_layer_ids\" in " + configFile + " to the layers it was trained on");
        }
        return layers;
    }

    private static Map<String, long[]> expectedShapes(ModelConfig c, String p, int targetHidden, int draftVocab) {
        long h = c.hiddenSize();
        long hd = c.hiddenSize() / c.numHeads();
        long q = c.numHeads() * hd;
        long kv = c.numKvHeads() * hd;
        long inter = c.intermediateSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(EagleHeadFormat.FC_WEIGHT, new long[] {h, 3L * targetHidden});
        m.put(p + "self_attn.q_proj.weight", new long[] {q, 2 * h});
        m.put(p + "self_attn.k_proj.weight", new long[] {kv, 2 * h});
        m.put(p + "self_attn.v_proj.weight", new long[] {kv, 2 * h});
        m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
        m.put(p + "mlp.gate_proj.weight", new long[] {inter, h});
        m.put(p + "mlp.up_proj.weight", new long[] {inter, h});
        m.put(p + "mlp.down_proj.weight", new long[] {h, inter});
        m.put(p + "hidden_norm.weight", new long[] {h});
        m.put(p + "input_layernorm.weight", new long[] {h});
        m.put(p + "post_attention_layernorm.weight", new long[] {h});
        m.put("norm.weight", new long[] {h});
        m.put("lm_head.weight", new long[] {draftVocab, h});
        return m;
    }

    /** {@code d + d2t[d]} for every draft id, each checked to be a target id. */
    private static int[] draftToTarget(TensorData d2t, int vocab) {
        long[] offsets = d2t.toLongs();
        int[] out = new int[offsets.length];
        for (int d = 0; d < offsets.length; d++) {
            long id = d + offsets[d];
            if (id < 0 || id >= vocab) {
                throw new RasdException(d2t.file() + ": tensor \"d2t\" maps draft id " + d + " (offset " + offsets[d]
                        + ") to target id " + id + ", outside the target's vocabulary [0, " + vocab + ")");
            }
            out[d] = (int) id;
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    private static int intKey(JsonObject json, String key, int def, Path file) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new RasdException(file + ": \"" + key + "\" must be a whole number, got " + e);
        }
        return e.getAsInt();
    }
}
