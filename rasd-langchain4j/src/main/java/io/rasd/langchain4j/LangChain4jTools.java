package io.rasd.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import io.rasd.RasdException;
import io.rasd.text.ToolCall;
import io.rasd.text.tools.TemplateTools;
import java.util.List;
import java.util.Map;

/**
 * LangChain4j's tool types and the chat template's: {@link ToolSpecification}s as the template's {@code tools}, an
 * {@link AiMessage}'s {@link ToolExecutionRequest}s as the assistant's {@link ToolCall}s, and parsed calls back as
 * requests.
 */
final class LangChain4jTools {

    private LangChain4jTools() {}

    /** The tools as transformers' {@code get_json_schema} writes them ({@link TemplateTools#function}). */
    static List<Map<String, Object>> toTemplateTools(List<ToolSpecification> specifications) {
        return specifications.stream()
                .map(s -> TemplateTools.function(
                        s.name(),
                        s.description(),
                        s.parameters() == null ? null : JsonSchemaElementUtils.toMap(s.parameters())))
                .toList();
    }

    /** An earlier turn's tool requests as template tool calls; arguments that are not a JSON object are refused. */
    static List<ToolCall> toToolCalls(List<ToolExecutionRequest> requests) {
        try {
            return requests.stream()
                    .map(r -> TemplateTools.call(r.id(), r.name(), r.arguments()))
                    .toList();
        } catch (RasdException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
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
