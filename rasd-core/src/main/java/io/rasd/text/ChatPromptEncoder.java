package io.rasd.text;

import io.rasd.RasdException;
import java.util.List;
import java.util.Objects;

/**
 * A conversation through the model's chat template, ending with the assistant's turn, as prompt token ids: the one
 * place that renders and checks conversations for every integration. It refuses, with a {@link RasdException} whose
 * message can be shown to the caller as it is,
 * <ul>
 *   <li>a conversation without messages;</li>
 *   <li>a user message that is empty or whitespace only (any of them, not just the last: the model would answer a
 *       bare template);</li>
 *   <li>a conversation the template itself rejects (its {@code raise_exception} message);</li>
 *   <li>tool calls or tool results for a template that does not render them;</li>
 *   <li>a prompt that leaves no token of the context window for the answer.</li>
 * </ul>
 * Integrations map their message types to {@link ChatMessage} (tool calls and tool results included) and
 * this exception to their own type. Thread-safe.
 */
public final class ChatPromptEncoder {

    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final int contextLimit;
    private final String modelName;

    /**
     * @param template the model's chat template
     * @param tokenizer the model's tokenizer
     * @param contextLimit the model's context window in tokens
     * @param modelName the name errors call the model by
     */
    public ChatPromptEncoder(ChatTemplate template, Tokenizer tokenizer, int contextLimit, String modelName) {
        this.template = Objects.requireNonNull(template, "template");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        if (contextLimit < 1) {
            throw new IllegalArgumentException("contextLimit must be >= 1, got " + contextLimit);
        }
        this.contextLimit = contextLimit;
    }

    /**
     * The encoded prompt.
     *
     * @param tokens the prompt's token ids (the template writes the special tokens, BOS included)
     * @param room tokens of the context window left for the answer, at least 1
     */
    public record Prompt(int[] tokens, int room) {}

    /** Checks, renders and tokenizes {@code conversation}; throws {@link RasdException} naming what is wrong. */
    public Prompt encode(List<ChatMessage> conversation) {
        check(conversation); // before the request is built: a null conversation is bad input, not a bug
        return encode(ChatTemplateRequest.of(conversation, true));
    }

    /**
     * Checks, renders and tokenizes a request that may carry tools, documents and template variables (e.g.
     * {@code enable_thinking}); it should ask for the generation prompt, as {@link #encode(List)} does.
     */
    public Prompt encode(ChatTemplateRequest request) {
        check(request.messages());
        String rendered;
        try {
            rendered = template.render(request);
        } catch (RasdException e) {
            throw new RasdException(
                    "The chat template of " + modelName + " rejected the conversation: " + e.getMessage(), e);
        }
        // after the render, so that a template's own refusal (say of an unknown role) is the one reported
        if (!template.rendersToolMessages() && hasToolMessages(request.messages())) {
            throw new RasdException("The chat template of " + modelName + " (" + template.source() + ") does not"
                    + " render tool calls or tool results, and the conversation holds some; they would be left out of"
                    + " the prompt");
        }
        // the template writes the special tokens (BOS included) itself, as HF's apply_chat_template does
        int[] tokens = tokenizer.encode(rendered, false);
        int room = contextLimit - tokens.length;
        if (room < 1) {
            throw new RasdException("The conversation is " + tokens.length + " tokens after the chat template, but the"
                    + " context window of " + modelName + " is " + contextLimit + " tokens (at least one must be left"
                    + " for the answer); shorten the messages or use a smaller chat memory");
        }
        return new Prompt(tokens, room);
    }

    private static boolean hasToolMessages(List<ChatMessage> conversation) {
        return conversation.stream()
                .anyMatch(m -> !m.toolCalls().isEmpty() || m.role().equals("tool"));
    }

    /** The checks that need no template: messages present, no empty or whitespace-only user message. */
    public static void check(List<ChatMessage> conversation) {
        if (conversation == null || conversation.isEmpty()) {
            throw new RasdException("The conversation has no messages");
        }
        for (int i = 0; i < conversation.size(); i++) {
            ChatMessage m = conversation.get(i);
            if (m.role().equals("user") && (m.content() == null || m.content().isBlank())) {
                throw new RasdException("messages[" + i + "] (user) is "
                        + (m.content() == null || m.content().isEmpty() ? "empty" : "whitespace only")
                        + "; a user message needs text");
            }
        }
    }
}
