package io.rasd.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation as HF chat templates read it: a {@code role} ({@code system}, {@code user},
 * {@code assistant}, {@code tool}, or whatever a template knows), its text, and for tool use the assistant's
 * {@link ToolCall}s or, on a {@code tool} message, the id and name of the call it answers.
 *
 * @param content the text; null only for an assistant message that carries tool calls (HF's {@code None}, which some
 *     templates test for, e.g. DeepSeek-R1's {@code message['content'] is none})
 * @param toolCalls the assistant's tool calls, empty otherwise
 * @param toolCallId on a {@code tool} message: the id of the call this is the result of; else null
 * @param name on a {@code tool} message: the name of the tool that produced it; else null
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId, String name) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (content == null && toolCalls.isEmpty()) {
            throw new NullPointerException("content (only a message with tool calls may have none)");
        }
    }

    /** A message of text only. */
    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null, null);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** The assistant asking for tools to run; {@code content} is the text before the calls (may be empty or null). */
    public static ChatMessage assistantToolCalls(String content, List<ToolCall> calls) {
        if (calls == null || calls.isEmpty()) {
            throw new IllegalArgumentException("an assistant tool-call message needs at least one call");
        }
        return new ChatMessage("assistant", content, calls, null, null);
    }

    /** The result of the tool call {@code toolCallId} of tool {@code name}, as the {@code tool} role. */
    public static ChatMessage toolResult(String toolCallId, String name, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId, name);
    }

    /**
     * The message as the dict HF passes to templates: {@code role} and {@code content} always (content None when
     * null), {@code tool_calls}, {@code tool_call_id} and {@code name} only when set, as OpenAI-style messages have
     * them (templates test {@code 'tool_calls' in message} and {@code message.tool_calls is defined}).
     */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("role", role);
        if (toolCallId != null) {
            o.put("tool_call_id", toolCallId);
        }
        if (name != null) {
            o.put("name", name);
        }
        o.put("content", content);
        if (!toolCalls.isEmpty()) {
            o.put(
                    "tool_calls",
                    toolCalls.stream().map(ToolCall::toTemplateValue).toList());
        }
        return o;
    }
}
