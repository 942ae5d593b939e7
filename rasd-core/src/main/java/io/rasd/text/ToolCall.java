package io.rasd.text;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A tool call the assistant made, as chat templates read it: OpenAI's {@code {"id", "type": "function",
 * "function": {"name", "arguments"}}}.
 *
 * @param id the call's id (Mistral's templates require 9 alphanumeric characters); null when the model gave none
 * @param name the tool's name
 * @param arguments a JSON object as template data ({@link TemplateValues}; most templates {@code tojson} it), or the
 *     arguments as a JSON string (DeepSeek-R1's template concatenates them as text)
 */
public record ToolCall(String id, String name, Object arguments) {

    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
        if (!(arguments instanceof String || arguments instanceof Map)) {
            throw new IllegalArgumentException(
                    "tool call arguments must be a JSON object (a Map) or a JSON string, got "
                            + arguments.getClass().getSimpleName());
        }
        if (arguments instanceof Map<?, ?> m) {
            arguments = TemplateValues.copy(m);
        }
    }

    /** A call whose arguments arrive as JSON text (as a model writes them), parsed to a JSON object. */
    public static ToolCall parsingArguments(String id, String name, String argumentsJson) {
        return new ToolCall(id, name, TemplateValues.fromJson(argumentsJson));
    }

    /** The arguments as JSON text: as given when they came as a string, else the object written compactly. */
    public String argumentsJson() {
        return arguments instanceof String s ? s : TemplateValues.toJson(arguments);
    }

    /** The same call with another id (parsers leave ids to the caller, who may need a format of its own). */
    public ToolCall withId(String newId) {
        return new ToolCall(newId, name, arguments);
    }

    Map<String, Object> toTemplateValue() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        function.put("arguments", arguments);
        Map<String, Object> o = new LinkedHashMap<>();
        if (id != null) {
            o.put("id", id);
        }
        o.put("type", "function");
        o.put("function", function);
        return o;
    }
}
