package io.rasd.verify;

import io.rasd.RasdException;

/**
 * How the target distribution is processed before a token is drawn, in HF's order: temperature, then top-k, then
 * top-p. Temperature 0 means greedy (argmax), and so does any temperature below {@link #GREEDY_BELOW}, as in vLLM:
 * logits are float32, and dividing them by a temperature that small overflows to infinities (below about 1e-38 the
 * temperature itself rounds to 0), which would draw garbage instead of the near-certain argmax.
 *
 * @param topK keep the k most likely tokens; 0 disables
 * @param topP keep the smallest set of most likely tokens whose mass reaches p; 1 disables
 */
public record SamplingParams(double temperature, int topK, double topP) {

    public static final SamplingParams GREEDY = new SamplingParams(0, 0, 1);
    /** Temperatures below this sample greedily (vLLM's {@code _SAMPLING_EPS}). */
    public static final double GREEDY_BELOW = 1e-5;

    public SamplingParams {
        if (!Double.isFinite(temperature) || temperature < 0) {
            throw new RasdException("temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new RasdException("top-k must be >= 0 (0 = disabled), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new RasdException("top-p must be in (0, 1], got " + topP);
        }
    }

    public boolean isGreedy() {
        return temperature < GREEDY_BELOW;
    }
}
