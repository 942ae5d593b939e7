/**
 * Prompt in, text out: {@link io.rasd.text.Tokenizer} (HF tokenizer.json, truncation and padding off),
 * {@link io.rasd.text.ChatTemplate} (the model's Jinja chat template rendered like HF's {@code apply_chat_template},
 * in a sandbox), {@link io.rasd.text.ChatMessage}, {@code ChatPromptEncoder} (renders and validates a conversation for
 * every adapter) and {@link io.rasd.text.IncrementalDetokenizer} (text deltas in whole characters).
 *
 * <p>See {@code docs/architecture.md} §12.
 */
package io.rasd.text;
