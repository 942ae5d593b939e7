package io.rasd.engine;

/** The outcome of one generation: ids (an end-of-sequence id included, as HF does), text, and why it ended. */
public record GenerationResult(int[] tokens, String text, FinishReason finishReason, GenerationStats stats) {

    public GenerationResult {
        tokens = tokens.clone();
    }

    /**
     * A generation that ended before it started: cancelled ({@link FinishReason#CANCELLED}) or past its timeout
     * ({@link FinishReason#TIMEOUT}) while it waited for a slot. Nothing generated.
     */
    static GenerationResult endedBeforeStart(FinishReason reason, int promptTokens) {
        return new GenerationResult(
                new int[0],
                "",
                reason,
                GenerationStats.builder().promptTokens(promptTokens).build());
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
