/**
 * Step 4 of the pipeline, tree fusion, and the layout of the verification batch. {@link io.rasd.tree.TokenTree} is the
 * fused tree in topological order with per-node origins and scores, its budget trim, and the parents and positions
 * for tree attention; {@link io.rasd.tree.TreeFusion} merges retrieval trees into the draft tree by longest-prefix
 * matching; {@link io.rasd.tree.RootDistribution} is the draft's top-m distribution at the root, which pruning asks;
 * {@link io.rasd.tree.TokenOrigin} names where a token came from (the target's bonus token, the draft, prompt lookup, the
 * datastore).
 *
 * <p>See {@code docs/architecture.md} §3.
 */
package io.rasd.tree;
