package io.rasd.engine;

import io.rasd.tree.TokenOrigin;

/**
 * Receives a generation as it is committed. Text arrives in whole characters and never contains (part of) a stop
 * string. Called on the generating thread: return quickly.
 */
@FunctionalInterface
public interface GenerationListener {

    /**
     * {@code tokens} were committed, {@code origins[i]} credits each to its proposer (or the target's bonus), and
     * {@code text} is the part of the output they completed (maybe empty; a final call may carry text only).
     */
    void onTokens(int[] tokens, TokenOrigin[] origins, String text);

    GenerationListener NONE = (tokens, origins, text) -> {};
}
