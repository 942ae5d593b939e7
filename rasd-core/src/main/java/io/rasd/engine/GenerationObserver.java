package io.rasd.engine;

/**
 * Watches every generation an engine runs, whoever called it: the hook for metrics, logs and tracing. Registered with
 * {@link RasdEngine#addObserver}. Called on the generating thread, so it must return quickly; an exception it throws
 * is logged and does not affect the generation.
 */
public interface GenerationObserver {

    /**
     * One target forward was verified and committed {@code committedTokens} tokens (accepted draft/retrieval tokens
     * plus the target's bonus token: 1 for a plain step).
     *
     * @param speculated whether this step verified a proposed tree (false for plain decoding and fallback steps)
     */
    default void onStep(DecodingMode mode, int committedTokens, boolean speculated) {}

    /** A generation ended: with a result, or with {@link GenerationEvent#failure()}. */
    void onGeneration(GenerationEvent event);
}
