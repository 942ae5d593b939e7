package io.rasd.constrain;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * A grammar over a vocabulary: which tokens each automaton state allows, and the state after a token. Masks are
 * cached per state (bounded by bytes), so the trie walk runs once per distinct state: inside a string, for instance,
 * every content token leads back to the same state. Thread-safe; share one per (grammar, vocabulary).
 */
public final class TokenConstraint {

    /** Cached masks at most take this much heap (a mask is one bit per vocabulary id). */
    static final long MAX_CACHE_BYTES = 32L << 20;

    private final Grammar grammar;
    private final TokenVocabulary vocabulary;
    private final Cache<MatchState, AllowedTokens> masks;

    public TokenConstraint(Grammar grammar, TokenVocabulary vocabulary) {
        this.grammar = grammar;
        this.vocabulary = vocabulary;
        this.masks = Caffeine.newBuilder()
                .maximumWeight(MAX_CACHE_BYTES)
                .weigher((MatchState s, AllowedTokens a) -> (int) Math.min(Integer.MAX_VALUE, a.weight()))
                .executor(Runnable::run) // evict on the caller's thread: nothing to hand to a pool
                .build();
    }

    public Grammar grammar() {
        return grammar;
    }

    public TokenVocabulary vocabulary() {
        return vocabulary;
    }

    /** The state before any output. */
    public MatchState start() {
        return grammar.start();
    }

    /** The tokens allowed after {@code state}. */
    public AllowedTokens allowed(MatchState state) {
        return masks.get(state.maskKey(vocabulary.longestToken()), vocabulary::allowed);
    }

    /**
     * Whether {@code token} may follow {@code state}: the same answer as {@link #allowed}, without the mask (a
     * greedy step whose choice the grammar allows never needs the mask).
     */
    public boolean allows(MatchState state, int token) {
        if (vocabulary.eos(token)) {
            return state.accepting();
        }
        return next(state, token) != null;
    }

    /** Whether {@code state} is a complete document that no token continues: the output ends there. */
    public boolean complete(MatchState state) {
        return state.accepting() && allowed(state).complete(); // the mask only where it can be complete
    }

    /**
     * The state after {@code token}, or null when the token leaves the grammar, or ends the output (an
     * end-of-sequence token, allowed only in accepting states, has no state after it).
     */
    public MatchState next(MatchState state, int token) {
        byte[] b = vocabulary.bytesUnsafe(token);
        return b == null ? null : state.advance(b);
    }
}
