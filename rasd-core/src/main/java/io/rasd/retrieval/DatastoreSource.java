package io.rasd.retrieval;

import io.rasd.datastore.Continuation;
import io.rasd.datastore.TokenDatastore;
import io.rasd.tree.TokenOrigin;
import java.util.Arrays;

/**
 * The token datastore as a retrieval source: continuations of the longest suffix of the newest {@code nMax} context
 * tokens found in the application's documents (a suffix-array search), plus the same search over this request's
 * references (e.g. the RAG segments retrieved for it), whose occurrences count {@link #REFERENCE_BOOST} times.
 */
public final class DatastoreSource implements RetrievalSource {

    /** How many datastore occurrences one occurrence in a request's references counts as. */
    public static final int REFERENCE_BOOST = 4;

    private final TokenDatastore datastore;
    private final TokenDatastore references;
    private final TokenDatastore.QueryConfig query;
    private final int targetVocab;
    /** The newest nMax context tokens: the suffix the datastore is queried with. */
    private int[] recent;

    /**
     * @param datastore the engine's datastore, shared (not closed here)
     * @param references this request's references as a datastore, owned (closed with the source); null without any
     * @param targetVocab ids at or past it are cut from proposals
     */
    public DatastoreSource(
            TokenDatastore datastore,
            TokenDatastore references,
            TokenDatastore.QueryConfig query,
            int[] prompt,
            int targetVocab) {
        this.datastore = datastore;
        this.references = references;
        this.query = query;
        this.targetVocab = targetVocab;
        this.recent = Arrays.copyOfRange(prompt, Math.max(0, prompt.length - query.nMax()), prompt.length);
    }

    @Override
    public TokenOrigin origin() {
        return TokenOrigin.DATASTORE;
    }

    @Override
    public void append(int[] tokens) {
        int len = Math.min(query.nMax(), recent.length + tokens.length);
        int[] out = new int[len];
        int fromAdded = Math.min(tokens.length, len);
        int fromRecent = len - fromAdded;
        System.arraycopy(recent, recent.length - fromRecent, out, 0, fromRecent);
        System.arraycopy(tokens, tokens.length - fromAdded, out, fromRecent, fromAdded);
        recent = out;
    }

    @Override
    public RetrievalTree retrieve(int root) {
        RetrievalTree tree = new RetrievalTree(root);
        for (Continuation c : datastore.query(recent, query)) {
            addProposable(tree, c.tokens(), c.count());
        }
        if (references != null) {
            for (Continuation c : references.query(recent, query)) {
                addProposable(tree, c.tokens(), c.count() * REFERENCE_BOOST);
            }
        }
        return tree;
    }

    /**
     * Adds a continuation up to its first id the target does not have: documents are token ids from outside (a
     * datastore built with a larger vocabulary, a caller's references), and a proposal must never make the verifying
     * forward pass fail.
     */
    private void addProposable(RetrievalTree tree, int[] tokens, int count) {
        int n = 0;
        while (n < tokens.length && tokens[n] >= 0 && tokens[n] < targetVocab) {
            n++;
        }
        if (n > 0) {
            tree.add(n == tokens.length ? tokens : Arrays.copyOf(tokens, n), count, TokenOrigin.DATASTORE);
        }
    }

    @Override
    public void close() {
        if (references != null) {
            references.close();
        }
    }
}
