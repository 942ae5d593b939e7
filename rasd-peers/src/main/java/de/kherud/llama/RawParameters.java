package de.kherud.llama;

/**
 * Sets request fields that {@link InferenceParameters} has no setter for. llama.cpp's server (which de.kherud:llama
 * wraps) accepts a prompt as an array of token ids; passing ids makes llama.cpp run exactly the tokens rasd runs,
 * whatever its own tokenizer would make of the text. Lives in the library's package because the parameter map is
 * package-private there.
 */
public final class RawParameters {

    private RawParameters() {}

    /** The prompt as token ids, fed verbatim (no BOS added). */
    public static InferenceParameters promptIds(InferenceParameters p, int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) {
            sb.append(i == 0 ? "" : ",").append(ids[i]);
        }
        p.parameters.put("prompt", sb.append(']').toString());
        return p;
    }

    /** Any field, its value given as JSON (e.g. {@code "speculative.n_max"} and {@code "16"}). */
    public static InferenceParameters put(InferenceParameters p, String key, String json) {
        p.parameters.put(key, json);
        return p;
    }
}
