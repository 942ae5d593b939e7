/**
 * Tool calls in a model's answer: {@link io.rasd.text.tools.ToolCallFormat} (how a family writes them, detected from
 * its chat template) and {@link io.rasd.text.tools.ToolCallStream} (reads an answer, whole or as it streams, into text
 * and {@link io.rasd.text.ToolCall}s; a call that does not parse stays text). Independent of how the answer was
 * generated: free decoding, or decoding constrained to a call's JSON.
 *
 * <p>See {@code docs/architecture.md} §12.
 */
package io.rasd.text.tools;
