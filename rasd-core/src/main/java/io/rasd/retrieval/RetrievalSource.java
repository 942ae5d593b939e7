package io.rasd.retrieval;

import io.rasd.tree.TokenOrigin;

/**
 * One retrieval method of the paper (docs/architecture.md §3, step 2): proposes continuations of the current context
 * as a {@link RetrievalTree} under the step's root. One instance serves one generation; the engine opens the sources
 * its decoding mode asks for. A new source is one class.
 *
 * <p>Threads: {@link #retrieve} runs on the engine's retrieval worker while the drafter drafts, {@link #append} on the
 * generation's thread between steps; the engine never runs them at the same time.
 */
public interface RetrievalSource extends AutoCloseable {

    /** The origin its proposals carry in the fused tree. */
    TokenOrigin origin();

    /** The step committed {@code tokens}: they are now context. */
    void append(int[] tokens);

    /** Continuations of the context (which ends with {@code root}), merged into a trie rooted at {@code root}. */
    RetrievalTree retrieve(int root);

    /** Frees what the source owns; nothing by default. */
    @Override
    default void close() {}
}
