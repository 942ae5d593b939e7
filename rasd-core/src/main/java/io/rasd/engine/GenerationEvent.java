package io.rasd.engine;

/**
 * One finished generation as an {@link GenerationObserver} sees it.
 *
 * @param model the target model's name (its directory name)
 * @param request what was asked
 * @param result the outcome; null when the generation failed
 * @param failure why it failed (validation, a busy engine, an engine error); null on success
 * @param queueSeconds time spent waiting for a generation slot
 * @param firstTokenSeconds time from the call to the first committed token (queue, prefill and first step included);
 *     NaN when no token was committed
 * @param totalSeconds time from the call to the end
 */
public record GenerationEvent(
        String model,
        GenerationRequest request,
        GenerationResult result,
        Throwable failure,
        double queueSeconds,
        double firstTokenSeconds,
        double totalSeconds) {

    public boolean succeeded() {
        return failure == null;
    }
}
