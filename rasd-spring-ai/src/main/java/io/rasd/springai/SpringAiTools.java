package io.rasd.springai;

import io.rasd.RasdException;
import io.rasd.text.TemplateValues;
import io.rasd.text.ToolCall;
import io.rasd.text.tools.TemplateTools;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * Spring AI's tool types and the chat template's: {@link ToolCallback}s' definitions as the template's {@code tools},
 * and an {@link AssistantMessage}'s tool calls as the assistant's {@link ToolCall}s.
 */
final class SpringAiTools {

    private SpringAiTools() {}

    /** The tools as transformers' {@code get_json_schema} writes them ({@link TemplateTools#function}). */
    static List<Map<String, Object>> toTemplateTools(List<ToolCallback> callbacks) {
        return callbacks.stream()
                .map(ToolCallback::getToolDefinition)
                .map(d -> TemplateTools.function(d.name(), d.description(), parameters(d)))
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parameters(ToolDefinition d) {
        String schema = d.inputSchema();
        if (schema == null || schema.isBlank()) {
            return null;
        }
        try {
            if (TemplateValues.fromJson(schema) instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            throw new RasdException("not a JSON object");
        } catch (RasdException e) {
            throw new IllegalArgumentException(
                    "The input schema of tool " + d.name() + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    /** An earlier turn's tool calls as template tool calls; arguments that are not a JSON object are refused. */
    static List<ToolCall> toToolCalls(List<AssistantMessage.ToolCall> calls) {
        try {
            return calls.stream()
                    .map(c -> TemplateTools.call(c.id(), c.name(), c.arguments()))
                    .toList();
        } catch (RasdException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
