package io.rasd.engine;

import io.rasd.RasdException;

/**
 * A generation ran past its request's {@link GenerationRequest#timeout()}. The engine stopped it at the next decoding
 * step (or took it out of the queue) and gave its slot back. What it had generated stays valid: the tokens were
 * streamed to the listener as they were committed, and {@link #partialResult()} holds them, their text (exactly the
 * text streamed, nothing held back released) and {@link FinishReason#TIMEOUT}. Adapters map it to their timeout
 * error (LangChain4j's {@code TimeoutException}, HTTP 504 in the sample app).
 */
public final class RasdTimeoutException extends RasdException {

    private final transient GenerationResult partialResult;

    public RasdTimeoutException(String message, GenerationResult partialResult) {
        super(message);
        this.partialResult = partialResult;
    }

    static RasdTimeoutException whileQueued(Deadline deadline, int running, int queued) {
        return new RasdTimeoutException(
                "The request's timeout of " + deadline.millis() + " ms passed while it waited for a generation slot; "
                        + running + " generation(s) running, " + queued + " waiting. Nothing was generated",
                GenerationResult.endedBeforeStart(FinishReason.TIMEOUT, 0));
    }

    static RasdTimeoutException midGeneration(Deadline deadline, GenerationResult partial) {
        return new RasdTimeoutException(
                "The generation did not finish within its timeout of " + deadline.millis() + " ms: stopped after "
                        + partial.tokens().length + " generated token(s), which were streamed and are kept in the"
                        + " partial result",
                partial);
    }

    /**
     * What was generated before the timeout passed (no tokens when it passed while the request waited for a slot),
     * with finish reason {@link FinishReason#TIMEOUT}.
     */
    public GenerationResult partialResult() {
        return partialResult;
    }
}
