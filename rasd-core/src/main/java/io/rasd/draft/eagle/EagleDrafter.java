package io.rasd.draft.eagle;

import io.rasd.draft.Drafter;
import io.rasd.model.CausalLm;
import io.rasd.model.EagleHead;
import java.nio.file.Path;

/**
 * EAGLE-2 drafting with an EAGLE-1/2 or EAGLE-3 head ({@link EagleHead}): the paper's drafter. The head reads the target's own
 * features, so it agrees with the target far more often than an independent small model, at the cost of one decoder
 * layer per depth. Its sessions grow the same dynamic tree as {@code DraftModelSession} (expand the best frontier
 * nodes by cumulative probability, keep the best nodes overall).
 */
public final class EagleDrafter implements Drafter {

    private final EagleHead head;
    private final int proposableVocab;
    private final boolean ownsHead;

    /**
     * A drafter over a head the caller loaded (and closes).
     *
     * @param proposableVocab ids below it may be proposed (the tokenizer's vocabulary, at most the target's)
     */
    public EagleDrafter(EagleHead head, int proposableVocab) {
        this(head, proposableVocab, false);
    }

    private EagleDrafter(EagleHead head, int proposableVocab, boolean ownsHead) {
        this.head = head;
        this.proposableVocab = Math.min(proposableVocab, head.config().vocabSize());
        this.ownsHead = ownsHead;
    }

    /**
     * Loads the EAGLE-1/2 or EAGLE-3 head in {@code dir} for {@code target} after checking its files against the target
     * ({@link EagleHeadFormat#inspect}: variant, tensors, shapes); the drafter owns the head and closes it.
     */
    public static EagleDrafter load(Path dir, CausalLm target, int proposableVocab) {
        EagleHeadFormat format = EagleHeadFormat.inspect(dir, target.config());
        EagleHead head = switch (format.variant()) {
            case EAGLE_1_2 -> EagleHead.load(dir, target, format.hasFcBias(), format.hasQkvBias());
            case EAGLE_3 ->
                EagleHead.loadEagle3(
                        dir,
                        format.config(),
                        target,
                        format.eagle3().layerPrefix(),
                        format.eagle3().featureLayers().stream()
                                .mapToInt(Integer::intValue)
                                .toArray(),
                        format.eagle3().draftToTarget());
        };
        return new EagleDrafter(head, proposableVocab, true);
    }

    @Override
    public void close() {
        if (ownsHead) {
            head.close();
        }
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
