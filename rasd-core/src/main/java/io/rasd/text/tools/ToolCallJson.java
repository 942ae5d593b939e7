package io.rasd.text.tools;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.rasd.RasdException;
import io.rasd.text.TemplateValues;
import io.rasd.text.ToolCall;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON inside a tool call as models write it. Model output is untrusted: strict JSON only (no single quotes, no
 * bare words, nothing after the value), nesting bounded before anything recursive sees it, and every failure a
 * {@link RasdException} that says what is wrong, which {@link ToolCallStream} turns into text.
 */
final class ToolCallJson {

    /** The nesting the template data a call becomes may have ({@code TemplateSandbox}'s limit). */
    static final int MAX_DEPTH = 64;

    private ToolCallJson() {}

    /** What a region that runs to the end of the answer holds: its calls, then any text after them. */
    record Region(List<ToolCall> calls, String trailing) {}

    /** A Hermes {@code <tool_call>} block's body: one JSON object; arguments may be left out (a tool without any). */
    static ToolCall block(String body) {
        String json = body.strip();
        if (json.isEmpty() || json.charAt(0) != '{') {
            throw new RasdException("a tool call must be a JSON object");
        }
        int end = endOfValue(json, 0);
        if (end != json.length()) {
            throw new RasdException(end < 0 ? "the JSON object does not end" : "text after the JSON object");
        }
        return call(parseStrict(json), false);
    }

    /**
     * The calls of Llama 3 ({@code {...}; {...}}) or Mistral ({@code [{...}, ...]}) that start {@code region} (after
     * whitespace), and the text after them.
     */
    static Region region(ToolCallFormat format, String region) {
        int i = skipWhitespace(region, 0);
        List<ToolCall> calls = new ArrayList<>();
        if (format == ToolCallFormat.MISTRAL) {
            if (i == region.length() || region.charAt(i) != '[') {
                throw new RasdException("Mistral tool calls must be a JSON array");
            }
            int end = endOfValue(region, i);
            if (end < 0) {
                throw new RasdException("the JSON array does not end");
            }
            JsonElement array = parseStrict(region.substring(i, end));
            if (array.getAsJsonArray().isEmpty()) {
                throw new RasdException("the array holds no calls");
            }
            for (JsonElement e : array.getAsJsonArray()) {
                calls.add(call(e, true));
            }
            return new Region(calls, region.substring(end));
        }
        while (true) {
            if (i == region.length() || region.charAt(i) != '{') {
                throw new RasdException("a tool call must be a JSON object");
            }
            int end = endOfValue(region, i);
            if (end < 0) {
                throw new RasdException("the JSON object does not end");
            }
            calls.add(call(parseStrict(region.substring(i, end)), true));
            i = skipWhitespace(region, end);
            if (i < region.length() && region.charAt(i) == ';') { // Llama 3's separator of parallel calls
                int next = skipWhitespace(region, i + 1);
                if (next < region.length() && region.charAt(next) == '{') {
                    i = next;
                    continue;
                }
            }
            String rest = region.substring(end);
            return new Region(calls, rest.strip().equals(";") ? "" : rest);
        }
    }

    /**
     * One call: {@code {"name": ..., "arguments" | "parameters": {...}}}, the arguments an object or a JSON string
     * holding one; OpenAI's nesting {@code {"type": "function", "function": {...}}} is read too.
     *
     * @param argumentsRequired whether a call without arguments is refused: where calls are recognised by their JSON
     *     alone, it is what tells {@code {"name": "Ada", "age": 36}} (an answer) from a call
     */
    static ToolCall call(JsonElement e, boolean argumentsRequired) {
        if (!e.isJsonObject()) {
            throw new RasdException("a tool call must be a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        if (!o.has("name") && o.has("function") && o.get("function").isJsonObject()) {
            o = o.getAsJsonObject("function");
        }
        JsonElement name = o.get("name");
        if (name == null
                || !name.isJsonPrimitive()
                || !name.getAsJsonPrimitive().isString()) {
            throw new RasdException("the call has no \"name\" string");
        }
        String n = name.getAsString();
        if (n.isBlank()) {
            throw new RasdException("the call's name is empty");
        }
        JsonElement args = o.has("arguments") ? o.get("arguments") : o.get("parameters");
        if (args == null || args.isJsonNull()) {
            if (argumentsRequired) {
                throw new RasdException("the call has no \"arguments\" or \"parameters\"");
            }
            return new ToolCall(null, n, Map.of());
        }
        if (args.isJsonPrimitive() && args.getAsJsonPrimitive().isString()) {
            // some models write the arguments as a JSON string, as OpenAI's API carries them
            String s = args.getAsString().strip();
            args = s.isEmpty() ? new JsonObject() : parseStrict(s);
        }
        if (!args.isJsonObject()) {
            throw new RasdException("the call's arguments are not a JSON object");
        }
        try {
            ToolCall call = new ToolCall(null, n, TemplateValues.fromJson(args));
            call.argumentsJson(); // numbers beyond a double (1e999) would only fail later, when sent on
            return call;
        } catch (RuntimeException unusable) { // beyond what template data may hold
            throw new RasdException("the call's arguments cannot be used: " + unusable.getMessage(), unusable);
        }
    }

    /** Strict JSON, one value and nothing after it, nested at most {@link #MAX_DEPTH} deep. */
    static JsonElement parseStrict(String json) {
        if (!json.isEmpty() && (json.charAt(0) == '{' || json.charAt(0) == '[')) {
            endOfValue(json, 0); // refuses deep nesting before anything recursive sees the value
        }
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new RasdException("text after the JSON value");
            }
            return e;
        } catch (IOException | RuntimeException e) {
            if (e instanceof RasdException r) {
                throw r;
            }
            throw new RasdException("not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The index just past the JSON object or array that opens at {@code from} (brackets matched outside strings,
     * escapes honoured; the parser checks the rest), or -1 when {@code s} ends first. Nesting deeper than
     * {@link #MAX_DEPTH} is refused.
     */
    static int endOfValue(String s, int from) {
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                if (++depth > MAX_DEPTH) {
                    throw new RasdException("JSON nested more than " + MAX_DEPTH + " deep");
                }
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            }
        }
        return -1;
    }

    static int skipWhitespace(CharSequence s, int from) {
        int i = from;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
