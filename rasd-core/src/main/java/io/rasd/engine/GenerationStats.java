package io.rasd.engine;

/**
 * What one generation cost.
 *
 * @param targetForwards target forward passes after the prompt (one per committed step)
 * @param meanAccepted tokens committed per target forward (τ); 1 for plain decoding
 * @param seconds wall time of the decoding loop, prefill excluded
 * @param tokensPerSecond generated tokens / seconds
 */
public record GenerationStats(int promptTokens, int generatedTokens, int targetForwards, double meanAccepted,
                              double prefillSeconds, double seconds, double tokensPerSecond,
                              java.util.Map<TokenOrigin, Integer> acceptedByOrigin, double proposeSeconds,
                              double verifySeconds) {

    public GenerationStats {
        acceptedByOrigin = java.util.Map.copyOf(acceptedByOrigin);
    }
}
