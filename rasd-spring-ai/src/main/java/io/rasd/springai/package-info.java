/**
 * Spring AI integration: {@link io.rasd.springai.RasdSpringAiChatModel} (call and stream) with
 * {@link io.rasd.springai.RasdSpringAiChatOptions} on a rasd engine; see {@code docs/architecture.md} §4.
 */
package io.rasd.springai;
