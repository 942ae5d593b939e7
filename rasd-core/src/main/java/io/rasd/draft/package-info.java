/**
 * Step 1 of the pipeline, the draft tree. {@link io.rasd.draft.Drafter} is what the engine needs from any drafter; its per-generation
 * {@link io.rasd.draft.Drafter.Session} catches up on committed tokens, grows a tree within a budget, reports the draft's root
 * distribution for pruning, and commits the accepted path, counting its forwards so that adaptive control learns their
 * cost. {@link io.rasd.draft.DraftModel} is a standalone small LM sharing the target's tokenizer; its
 * {@code DraftModelSession} grows the tree by EAGLE-2's dynamic expansion. A step's result is a
 * {@link io.rasd.draft.DraftTree}.
 *
 * <p>See {@code docs/architecture.md} §3 (the step) and §7 (how depth is chosen).
 */
package io.rasd.draft;
