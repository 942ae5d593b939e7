package io.rasd.model;

import io.rasd.RasdException;

/**
 * RoPE frequency scaling as HF transformers' {@code ROPE_INIT_FUNCTIONS} defines it. Only the types whose
 * attention factor is 1 are supported; dynamic NTK and YaRN change the math per position and are rejected.
 *
 * @param type {@code default}, {@code linear} or {@code llama3}
 */
public record RopeScaling(
        String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public static final RopeScaling NONE = new RopeScaling("default", 1, 0, 0, 0);

    public RopeScaling {
        switch (type) {
            case "default" -> {}
            case "linear" -> requirePositive(factor, "factor");
            case "llama3" -> {
                requirePositive(factor, "factor");
                requirePositive(lowFreqFactor, "low_freq_factor");
                requirePositive(highFreqFactor, "high_freq_factor");
                requirePositive(originalMaxPositions, "original_max_position_embeddings");
                if (highFreqFactor <= lowFreqFactor) {
                    throw new RasdException("rope_scaling: high_freq_factor (" + highFreqFactor
                            + ") must be greater than low_freq_factor (" + lowFreqFactor + ")");
                }
            }
            default ->
                throw new RasdException("rope_scaling.rope_type = \"" + type
                        + "\" is not supported; expected one of default, linear, llama3");
        }
    }

    private static void requirePositive(double v, String field) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new RasdException("rope_scaling." + field + " must be a positive number, got " + v);
        }
    }

    /**
     * Inverse frequencies {@code 1 / theta^(2i/d)} for the {@code headDim/2} rotary pairs, scaled. Computed in float
     * like transformers does, so positions rotate by the same angles.
     */
    public float[] inverseFrequencies(double theta, int headDim) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            inv[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        switch (type) {
            case "linear" -> {
                for (int i = 0; i < half; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
            }
            case "llama3" -> {
                double lowWavelen = originalMaxPositions / lowFreqFactor;
                double highWavelen = originalMaxPositions / highFreqFactor;
                for (int i = 0; i < half; i++) {
                    double f = inv[i];
                    double wavelen = 2 * Math.PI / f;
                    double scaled = wavelen > lowWavelen ? f / factor : f;
                    if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                        double smooth =
                                (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                        scaled = (1 - smooth) * scaled / factor + smooth * scaled;
                    }
                    inv[i] = (float) scaled;
                }
            }
            default -> {}
        }
        return inv;
    }
}
