package io.rasd.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import io.rasd.text.ToolCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LangChain4j's tool types and the chat template's: {@link ToolSpecification}s as the template's {@code tools}, an
 * {@link AiMessage}'s {@link ToolExecutionRequest}s as the assistant's {@link ToolCall}s, and parsed calls back as
 * requests.
 */
final class LangChain4jTools {

    private LangChain4jTools() {}

    /**
     * The tools as transformers' {@code get_json_schema} writes them for a template: {@code {"type": "function",
     * "function": {"name", "description", "parameters": {JSON schema}}}}, an object schema with no properties for a
     * tool without parameters (templates print {@code parameters} unconditionally).
     */
    static List<Map<String, Object>> toTemplateTools(List<ToolSpecification> specifications) {
        List<Map<String, Object>> tools = new ArrayList<>(specifications.size());
        for (ToolSpecification s : specifications) {
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", s.name());
            if (s.description() != null) {
                function.put("description", s.description());
            }
            Map<String, Object> parameters = s.parameters() != null
                    ? JsonSchemaElementUtils.toMap(s.parameters())
                    : new LinkedHashMap<>(Map.of("type", "object", "properties", Map.of()));
            function.put("parameters", parameters);
            Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("type", "function");
            tool.put("function", function);
            tools.add(tool);
        }
        return tools;
    }

    /** An earlier turn's tool requests as template tool calls; arguments that are not a JSON object are refused. */
    static List<ToolCall> toToolCalls(List<ToolExecutionRequest> requests) {
        List<ToolCall> calls = new ArrayList<>(requests.size());
        for (ToolExecutionRequest r : requests) {
            String args = r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments();
            try {
                calls.add(ToolCall.parsingArguments(r.id(), r.name(), args));
            } catch (RuntimeException e) {
                throw new InvalidRequestException(
                        "The arguments of tool call " + r.id() + " (" + r.name() + ") are not a JSON object: " + args,
                        e);
            }
        }
        return calls;
    }

    static List<ToolExecutionRequest> toRequests(List<ToolCall> calls) {
        return calls.stream()
                .map(c -> ToolExecutionRequest.builder()
                        .id(c.id())
                        .name(c.name())
                        .arguments(c.argumentsJson())
                        .build())
                .toList();
    }
}
