package io.rasd.retrieval;

import io.rasd.tree.TokenOrigin;

/**
 * Prompt lookup as a retrieval source: continuations of the longest context suffix that occurred earlier in prompt +
 * output ({@link PromptLookup}), each counted once (their counts are not comparable to the datastore's, so the two
 * sources are pruned apart).
 */
public final class PromptLookupSource implements RetrievalSource {

    private final PromptLookup lookup;

    public PromptLookupSource(PromptLookup.Config config, int[] prompt) {
        this.lookup = new PromptLookup(config);
        lookup.append(prompt);
    }

    @Override
    public TokenOrigin origin() {
        return TokenOrigin.PLD;
    }

    @Override
    public void append(int[] tokens) {
        lookup.append(tokens);
    }

    @Override
    public RetrievalTree retrieve(int root) {
        RetrievalTree tree = new RetrievalTree(root);
        for (int[] continuation : lookup.propose()) {
            tree.add(continuation, 1, TokenOrigin.PLD);
        }
        return tree;
    }
}
