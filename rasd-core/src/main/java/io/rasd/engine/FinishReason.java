package io.rasd.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-sequence token or a stop string. */
    STOP,
    /** The token budget or the context window ran out. */
    LENGTH,
    /** The caller cancelled it ({@link Cancellation#cancel()}); the result holds what was committed until then. */
    CANCELLED,
    /**
     * The request's timeout passed ({@link GenerationRequest#timeout()}); the engine throws
     * {@link RasdTimeoutException}, whose {@link RasdTimeoutException#partialResult()} holds what was committed until
     * then with this reason. A result returned by {@code generate} never has it.
     */
    TIMEOUT;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
