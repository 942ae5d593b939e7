package io.rasd.draft.eagle;

import io.rasd.draft.Drafter;
import io.rasd.model.EagleHead;

/**
 * EAGLE-2 drafting with an EAGLE-1/2 head ({@link EagleHead}): the paper's drafter. The head reads the target's own
 * features, so it agrees with the target far more often than an independent small model, at the cost of one decoder
 * layer per depth. Its sessions grow the same dynamic tree as {@code DraftModelSession} (expand the best frontier
 * nodes by cumulative probability, keep the best nodes overall).
 */
public final class EagleDrafter implements Drafter {

    private final EagleHead head;
    private final int proposableVocab;

    /** @param proposableVocab ids below it may be proposed (the tokenizer's vocabulary, at most the target's) */
    public EagleDrafter(EagleHead head, int proposableVocab) {
        this.head = head;
        this.proposableVocab = Math.min(proposableVocab, head.config().vocabSize());
    }

    public EagleHead head() {
        return head;
    }

    @Override
    public Drafter.Session open(int[] prompt) {
        return new EagleSession(head, prompt, proposableVocab);
    }

    /** The head's rows depend on the head and on its target's features. */
    @Override
    public String cacheIdentity() {
        return head.identity();
    }
}
