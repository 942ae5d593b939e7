/**
 * Steps 2 and 3 of the pipeline: retrieval and draft-guided pruning. A {@link io.rasd.retrieval.RetrievalSource} lives for one
 * generation: it appends committed tokens and, each step, turns the continuations of the context's suffix into a
 * {@link io.rasd.retrieval.RetrievalTree} (a trie with counts) tagged with its {@link io.rasd.tree.TokenOrigin}. {@link io.rasd.retrieval.PromptLookupSource}
 * searches prompt and output ({@link io.rasd.retrieval.PromptLookup}, the n-gram matcher); {@link io.rasd.retrieval.DatastoreSource} searches the token
 * datastore and the request's references (boosted ×4; ids outside the target vocabulary cut).
 * {@link io.rasd.retrieval.RetrievalTree#pruneByDraft} is the paper's pruning by the draft model's root distribution.
 *
 * <p>Retrieval runs on a worker thread while the draft model drafts. See {@code docs/architecture.md} §3, §8 and §11.
 */
package io.rasd.retrieval;
