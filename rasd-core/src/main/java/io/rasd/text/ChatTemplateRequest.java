package io.rasd.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a chat template renders, as HF's {@code apply_chat_template(conversation, tools=, documents=,
 * add_generation_prompt=, **kwargs)} takes it.
 *
 * @param messages the conversation
 * @param tools JSON schemas of the tools the model may call (OpenAI's {@code {"type": "function", "function":
 *     {...}}}) as template data ({@link TemplateValues}); null when none are offered (the template then sees
 *     {@code tools} as None, as with transformers)
 * @param documents documents for RAG templates ({@code {"title", "text"}} dicts); null when none
 * @param addGenerationPrompt whether to end with the opening of the assistant's turn
 * @param variables extra template variables (HF's kwargs), e.g. {@code enable_thinking}; they override the
 *     tokenizer's special tokens of the same name, as in transformers
 */
public record ChatTemplateRequest(
        List<ChatMessage> messages,
        List<Map<String, Object>> tools,
        List<Map<String, Object>> documents,
        boolean addGenerationPrompt,
        Map<String, Object> variables) {

    /** Names the renderer sets itself: a variable may not replace them. */
    static final List<String> RESERVED = List.of("messages", "tools", "documents", "add_generation_prompt");

    public ChatTemplateRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        tools = tools == null ? null : TemplateValues.copy(tools);
        documents = documents == null ? null : TemplateValues.copy(documents);
        variables = variables == null ? Map.of() : TemplateValues.copy(variables);
        for (String name : RESERVED) {
            if (variables.containsKey(name)) {
                throw new IllegalArgumentException("\"" + name + "\" is set by the request itself, not a variable");
            }
        }
    }

    public static ChatTemplateRequest of(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return new ChatTemplateRequest(messages, null, null, addGenerationPrompt, Map.of());
    }

    public ChatTemplateRequest withTools(List<Map<String, Object>> tools) {
        return new ChatTemplateRequest(messages, tools, documents, addGenerationPrompt, variables);
    }

    public ChatTemplateRequest withDocuments(List<Map<String, Object>> documents) {
        return new ChatTemplateRequest(messages, tools, documents, addGenerationPrompt, variables);
    }

    /** One more template variable, e.g. {@code with("enable_thinking", false)}. */
    public ChatTemplateRequest with(String name, Object value) {
        Map<String, Object> v = new LinkedHashMap<>(variables);
        v.put(name, value);
        return new ChatTemplateRequest(messages, tools, documents, addGenerationPrompt, v);
    }
}
