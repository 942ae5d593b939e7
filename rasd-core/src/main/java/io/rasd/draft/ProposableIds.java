package io.rasd.draft;

import io.rasd.model.TopK;

/**
 * Ids a drafter may propose: below the tokenizer's and the target's vocabulary size. A drafter whose vocabulary is
 * padded past them (HF checkpoints often round vocab_size up) must never propose the padding: the verify forward would
 * fail on an id the target does not have.
 */
public final class ProposableIds {

    private final int limit;
    private final int padded;

    /** @param drafterVocab the drafter's own vocabulary size; @param limit ids below it may be proposed */
    public ProposableIds(int drafterVocab, int limit) {
        this.limit = limit;
        this.padded = Math.max(0, drafterVocab - limit);
    }

    /**
     * For a drafter whose ids are mapped to target ids first (an EAGLE-3 head's draft vocabulary): {@code unproposable}
     * of its ids map at or past {@code limit}.
     */
    public static ProposableIds mapped(int limit, int unproposable) {
        return new ProposableIds(limit + unproposable, limit); // as many as a vocabulary padded by that many
    }

    public int limit() {
        return limit;
    }

    /** How many of the best ids to copy out so that {@code k} proposable ones remain after padding ids are dropped. */
    public int fetch(int k) {
        return k + Math.min(padded, 64);
    }

    /** {@code top} without the ids at or past the limit, order kept. */
    public TopK filter(TopK top) {
        int n = 0;
        for (int id : top.ids()) {
            if (id < limit) {
                n++;
            }
        }
        if (n == top.ids().length) {
            return top;
        }
        int[] ids = new int[n];
        float[] values = new float[n];
        for (int i = 0, j = 0; i < top.ids().length; i++) {
            if (top.ids()[i] < limit) {
                ids[j] = top.ids()[i];
                values[j++] = top.values()[i];
            }
        }
        return new TopK(ids, values);
    }
}
