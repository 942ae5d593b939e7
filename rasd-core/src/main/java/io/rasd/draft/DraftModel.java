package io.rasd.draft;

import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import io.rasd.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The standalone drafter: a small causal LM that shares the target's tokenizer and grows a token tree each step with
 * EAGLE-2's dynamic expansion ({@link DraftModelSession#grow}). Checked at construction:
 * the draft must score every id of the tokenizer, and when its directory carries a tokenizer it must be the very same
 * vocabulary (a different tokenizer would make its proposals meaningless, however well they decode).
 *
 * <p>A draft may pad its vocabulary beyond the tokenizer's (HF checkpoints often round vocab_size up); ids past
 * {@link #proposableVocab()} are never proposed.
 */
public final class DraftModel implements Drafter {

    private final CausalLm lm;
    private final int proposableVocab;

    public DraftModel(CausalLm lm, Tokenizer targetTokenizer, int targetVocab) {
        this.lm = lm;
        int tokVocab = targetTokenizer.vocabSize();
        int draftVocab = lm.config().vocabSize();
        if (draftVocab < tokVocab) {
            throw new RasdException("Draft model " + lm.directory() + " has vocab_size " + draftVocab
                    + " but the target's tokenizer " + targetTokenizer.directory() + " has " + tokVocab
                    + " tokens; a draft model must share the target's vocabulary");
        }
        Path draftTokenizer = lm.directory().resolve("tokenizer.json");
        if (Files.isRegularFile(draftTokenizer)
                && !draftTokenizer
                        .toAbsolutePath()
                        .normalize()
                        .equals(targetTokenizer
                                .directory()
                                .resolve("tokenizer.json")
                                .toAbsolutePath()
                                .normalize())) {
            try (Tokenizer own = Tokenizer.load(lm.directory())) {
                if (!own.fingerprint().equals(targetTokenizer.fingerprint())) {
                    throw new RasdException("Draft model " + lm.directory() + " uses a different tokenizer ("
                            + own.vocabSize() + " tokens, fingerprint "
                            + own.fingerprint().substring(0, 12)
                            + ") than the target's " + targetTokenizer.directory() + " (" + tokVocab
                            + " tokens, fingerprint "
                            + targetTokenizer.fingerprint().substring(0, 12)
                            + "); speculation needs a draft trained on the same tokenizer");
                }
            }
        }
        this.proposableVocab = Math.min(tokVocab, targetVocab);
    }

    public CausalLm model() {
        return lm;
    }

    /** Ids below this may be proposed: known to the tokenizer and to the target. */
    public int proposableVocab() {
        return proposableVocab;
    }

    /**
     * Per-generation drafting state: the draft's own KV cache, whose rows a prefix cache can hold
     * ({@link Drafter.PrefixCacheRows}). Close it when the generation ends.
     */
    @Override
    public Drafter.Session open(int[] prompt) {
        return new DraftModelSession(this, prompt);
    }

    /** The draft model's fingerprint: its rows are shared with any engine that loaded the same weights. */
    @Override
    public String cacheIdentity() {
        return lm.identity();
    }
}
