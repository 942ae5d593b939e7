package io.rasd.text.tools;

import io.rasd.RasdException;
import io.rasd.text.ToolCall;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every adapter hands a chat template about tools, built one way: a tool's definition as transformers'
 * {@code get_json_schema} writes it, and an earlier tool call from an API's JSON-string arguments.
 */
public final class TemplateTools {

    private TemplateTools() {}

    /**
     * {@code {"type": "function", "function": {"name", "description", "parameters"}}}, the description left out when
     * null and an object schema without properties when {@code parameters} is null (templates print it always).
     *
     * @param parameters the JSON schema of the arguments as template data (a Map), or null
     */
    public static Map<String, Object> function(String name, String description, Map<String, Object> parameters) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        if (description != null) {
            function.put("description", description);
        }
        function.put(
                "parameters",
                parameters != null
                        ? parameters
                        : new LinkedHashMap<>(Map.of("type", "object", "properties", Map.of())));
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return tool;
    }

    /**
     * An earlier turn's tool call whose arguments an API carries as JSON text (blank: none); a {@link RasdException}
     * naming the call when they are not a JSON object.
     */
    public static ToolCall call(String id, String name, String argumentsJson) {
        String args = argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson;
        try {
            return ToolCall.parsingArguments(id, name, args);
        } catch (RuntimeException e) {
            throw new RasdException(
                    "The arguments of tool call " + id + " (" + name + ") are not a JSON object: " + args, e);
        }
    }
}
