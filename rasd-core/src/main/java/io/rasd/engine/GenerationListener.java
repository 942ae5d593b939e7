package io.rasd.engine;

/**
 * Receives a generation as it is committed. Text arrives in whole characters and never contains (part of) a stop
 * string. Called on the generating thread: return quickly.
 */
@FunctionalInterface
public interface GenerationListener {

    /** {@code tokens} were committed and {@code text} is the part of the output they completed (maybe empty). */
    void onTokens(int[] tokens, String text);

    GenerationListener NONE = (tokens, text) -> { };
}
