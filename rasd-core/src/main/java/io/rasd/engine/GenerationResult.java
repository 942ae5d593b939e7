package io.rasd.engine;

/** The outcome of one generation: ids (an end-of-sequence id included, as HF does), text, and why it ended. */
public record GenerationResult(int[] tokens, String text, FinishReason finishReason, GenerationStats stats) {

    public GenerationResult {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
