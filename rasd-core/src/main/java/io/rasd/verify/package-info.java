/**
 * Step 5 of the pipeline, verification. {@link io.rasd.verify.TreeVerifier} walks the verified tree once for greedy
 * and sampled decoding: at each node the target picks its next token (argmax, or a draw by
 * {@link io.rasd.verify.TokenSampler} under {@link io.rasd.verify.SamplingParams}), the walk descends while a child
 * carries it, and the first token no child carries is the bonus token ({@link io.rasd.verify.Acceptance}). Lossless by
 * construction.
 *
 * <p>See {@code docs/architecture.md} §6 (the losslessness argument).
 */
package io.rasd.verify;
