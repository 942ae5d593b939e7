package io.rasd.draft;

import io.rasd.model.KvSnapshot;
import io.rasd.model.Logits;
import java.util.List;

/**
 * What the engine needs from a drafter (docs/architecture.md §3, step 1): each step it grows a token tree under the
 * last committed token, gives its distribution at the root to the draft-guided pruning of retrieval trees, and keeps
 * the accepted path. The engine knows no drafter type: today's {@link DraftModel} (a small LM sharing the target's
 * tokenizer) is one; an EAGLE head reading the target's hidden states is another.
 *
 * <p>A drafter is shared by every generation of an engine and must be thread-safe; the per-generation state lives in
 * its {@link Session}, used by one thread at a time.
 */
public interface Drafter extends AutoCloseable {

    /** Opens one generation's drafting state; {@code prompt} is read at the first {@link Session#grow}'s catch-up. */
    Session open(int[] prompt);

    /**
     * The identity under which a {@link PrefixCacheRows} session's rows are stored in a prefix cache (a model
     * fingerprint), so two drafters share rows only when they would compute the same ones.
     */
    String cacheIdentity();

    /** Frees what the drafter owns (an engine that owns its models closes its drafter); nothing by default. */
    @Override
    default void close() {}

    /** One generation's drafter state. */
    interface Session extends AutoCloseable {

        /**
         * Grows this step's draft tree under the root (the last committed token), catching up on committed tokens
         * the drafter has not read yet. Returns {@link DraftTree#empty} when the drafter's context window is full.
         */
        DraftTree grow(DraftBudget budget, DepthPolicy policy);

        /** The step committed {@code tokens} (the accepted path, then the bonus token). */
        void commit(int[] tokens);

        /**
         * Reads the prompt now, all but its last token (the first root), so that the first {@link #grow} only
         * drafts. The engine calls it on another thread while the target reads the prompt, when a core is free, so
         * that a long prompt's draft prefill does not add to the time to first token. Default: nothing (the prompt
         * is read at the first grow).
         */
        default void readPrompt() {}

        /** Frees the session's native memory; the session is unusable afterwards. */
        @Override
        void close();
    }

    /**
     * A session whose state is KV-cache rows a prefix cache can hold: a prompt prefix restores them instead of
     * reading it again, and a finished generation stores them for the next chat turn.
     */
    interface PrefixCacheRows {

        /**
         * Puts the rows of the first {@code rows} prompt tokens in place instead of reading them. Call before the
         * first {@link Session#grow}. Returns the rows restored (0 when it cannot use them).
         */
        int restore(List<KvSnapshot> parts, int rows);

        /** Rows that hold committed context (the first tokens of prompt + committed output). */
        int committedRows();

        /** A heap copy of committed rows {@code [from, to)}. */
        KvSnapshot snapshot(int from, int to);
    }

    /**
     * A session that drafts from the target's own features (an EAGLE head): the engine hands it the final-normed
     * hidden state of every context token the target computes (the prefill's rows, then each step's root and accepted
     * path), before the step's {@link Session#commit}.
     */
    interface ReadsTargetFeatures {

        /**
         * Token rows {@code rows[i]} of the target forward behind {@code logits} hold the features of context tokens
         * {@code firstContextIndex + i} (context = prompt + committed output). Copy what you keep with
         * {@link Logits#hidden}: the logits close after this call.
         */
        void targetFeatures(Logits logits, int[] rows, int firstContextIndex);

        /**
         * The target layers whose inputs (the residual stream before each, side by side) the session reads as
         * features, as an EAGLE-3 head does; {@code null} (the default): the final-normed last hidden state.
         */
        default int[] targetFeatureLayers() {
            return null;
        }
    }

    /** Decides, before each extra depth, whether it is still worth a drafter forward. */
    @FunctionalInterface
    interface DepthPolicy {
        /**
         * @param depth the depth about to be expanded (1 = the root's children)
         * @param bestProb the drafter's cumulative probability of the best node there
         */
        boolean expand(int depth, double bestProb);

        DepthPolicy ALWAYS = (d, p) -> true;
    }
}
