package io.rasd.engine;

/** The outcome of one generation: ids (an end-of-sequence id included, as HF does), text, and why it ended. */
public record GenerationResult(int[] tokens, String text, FinishReason finishReason, GenerationStats stats) {

    public GenerationResult {
        tokens = tokens.clone();
    }

    /** A generation cancelled while it waited for a slot: nothing generated. */
    static GenerationResult cancelledBeforeStart(int promptTokens) {
        return new GenerationResult(
                new int[0],
                "",
                FinishReason.CANCELLED,
                GenerationStats.builder().promptTokens(promptTokens).build());
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
