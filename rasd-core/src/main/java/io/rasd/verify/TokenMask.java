package io.rasd.verify;

/**
 * Which tokens the target may choose at each node of a verified tree (constrained decoding: a grammar's state at the
 * node). The target's distribution at a node is restricted to these tokens before anything else, as a logits
 * processor would be in plain decoding, so a masked walk stays the walk plain masked decoding would take.
 */
public interface TokenMask {

    /** Whether {@code token} may follow {@code node}'s prefix. */
    boolean allows(int node, int token);

    /** The tokens that may follow {@code node}'s prefix, ascending; empty when none may (the output is complete). */
    int[] allowedIds(int node);
}
