package io.rasd.samples.springrag;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.internal.JsonSchemaElementJsonUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import io.rasd.engine.DecodingMode;
import io.rasd.langchain4j.RasdChatRequestParameters;
import io.rasd.text.TemplateValues;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OpenAI chat-completions request, checked field by field (each error names the field), as a LangChain4j
 * {@link ChatRequest} for rasd's chat models ({@code response_format}: {@link ResponseFormatParam}). Extension: an optional {@code "rasd"} object with {@code mode} (a
 * decoding mode, e.g. {@code "ar"} for plain decoding), {@code rag} (retrieve from the ingested documents) and
 * {@code timeout_ms} (how long the request may take, queue wait included; past it: 504, or an error event in a stream
 * after the chunks already sent).
 *
 * <p>Tools: {@code tools} ({@code {"type": "function", "function": {"name", "description", "parameters"}}}) and
 * {@code tool_choice} {@code "auto"} or {@code "none"}; the input may hold assistant messages with
 * {@code tool_calls} and {@code tool} messages with {@code tool_call_id}. Forcing a call ({@code "required"} or a
 * named function) is refused: nothing makes the model call.
 */
record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        Integer maxTokens,
        Double temperature,
        Double topP,
        List<String> stop,
        Long seed,
        boolean stream,
        boolean includeUsage,
        DecodingMode mode,
        boolean rag,
        Duration timeout,
        Double frequencyPenalty,
        Double presencePenalty,
        ResponseFormat responseFormat,
        List<ToolSpecification> tools,
        ToolChoice toolChoice) {

    /** A day: a longer timeout is a unit mistake (seconds or microseconds given as milliseconds), not a limit. */
    static final long MAX_TIMEOUT_MS = 86_400_000L;

    private static final Set<String> UNSUPPORTED =
            Set.of("functions", "function_call", "logprobs", "top_logprobs", "audio", "modalities", "prediction");

    static ChatCompletionRequest parse(String body) {
        JsonObject o = object(body);
        for (String f : UNSUPPORTED) {
            if (o.has(f) && !o.get(f).isJsonNull() && !isFalse(o.get(f))) {
                throw ApiException.badRequest(
                        f, "'" + f + "' is not supported by this server (rasd runs plain" + " text chat)");
            }
        }
        if (o.has("n") && !o.get("n").isJsonNull() && integer(o, "n") != 1) {
            throw ApiException.badRequest("n", "Only n=1 is supported");
        }
        Integer maxTokens =
                o.has("max_completion_tokens") ? integer(o, "max_completion_tokens") : integer(o, "max_tokens");
        String maxParam = o.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (maxTokens != null && maxTokens < 1) {
            throw ApiException.badRequest(maxParam, "'" + maxParam + "' must be >= 1, got " + maxTokens);
        }
        Double temperature = number(o, "temperature");
        if (temperature != null && !(temperature >= 0 && temperature <= 2)) {
            throw ApiException.badRequest("temperature", "'temperature' must be in [0, 2], got " + temperature);
        }
        Double topP = number(o, "top_p");
        if (topP != null && !(topP > 0 && topP <= 1)) {
            throw ApiException.badRequest("top_p", "'top_p' must be in (0, 1], got " + topP);
        }
        boolean stream = bool(o, "stream");
        boolean includeUsage = true;
        if (o.has("stream_options") && o.get("stream_options").isJsonObject()) {
            JsonObject so = o.getAsJsonObject("stream_options");
            includeUsage = !so.has("include_usage") || bool(so, "include_usage");
        }
        DecodingMode mode = null;
        boolean rag = false;
        Duration timeout = null;
        if (o.has("rasd") && !o.get("rasd").isJsonNull()) {
            if (!o.get("rasd").isJsonObject()) {
                throw ApiException.badRequest(
                        "rasd", "'rasd' must be an object like {\"mode\": \"ar\", \"rag\": true}");
            }
            JsonObject r = o.getAsJsonObject("rasd");
            String m = string(r, "mode");
            if (m != null) {
                try {
                    mode = DecodingMode.parse(m);
                } catch (RuntimeException e) {
                    throw ApiException.badRequest("rasd.mode", e.getMessage());
                }
            }
            rag = bool(r, "rag");
            timeout = timeout(r);
        }
        Long seed = o.has("seed") && !o.get("seed").isJsonNull() ? integerLong(o, "seed") : null;
        return new ChatCompletionRequest(
                string(o, "model"),
                messages(o),
                maxTokens,
                temperature,
                topP,
                stop(o),
                seed,
                stream,
                includeUsage,
                mode,
                rag,
                timeout,
                number(o, "frequency_penalty"),
                number(o, "presence_penalty"),
                ResponseFormatParam.parse(o),
                tools(o),
                toolChoice(o));
    }

    /** Whether the answer is read for tool calls: tools offered and not turned off by {@code tool_choice}. */
    boolean offersTools() {
        return !tools.isEmpty() && toolChoice != ToolChoice.NONE;
    }

    /** The LangChain4j request; {@code messages} may differ from {@link #messages()} (retrieval adds context). */
    ChatRequest toChatRequest(List<ChatMessage> messages) {
        RasdChatRequestParameters.Builder p = RasdChatRequestParameters.builder()
                .modelName(model)
                .maxOutputTokens(maxTokens)
                .temperature(temperature)
                .topP(topP)
                .frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty)
                .seed(seed)
                .timeout(timeout)
                .mode(mode)
                .responseFormat(responseFormat);
        if (!stop.isEmpty()) {
            p.stopSequences(stop);
        }
        if (!tools.isEmpty()) {
            p.toolSpecifications(tools).toolChoice(toolChoice);
        }
        return ChatRequest.builder().messages(messages).parameters(p.build()).build();
    }

    /** {@code rasd.timeout_ms}: a whole number of milliseconds in [1, a day], or absent (the server's default). */
    private static Duration timeout(JsonObject rasd) {
        JsonElement e = rasd.get("timeout_ms");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        boolean whole = e.isJsonPrimitive()
                && e.getAsJsonPrimitive().isNumber()
                && e.getAsDouble() == Math.rint(e.getAsDouble());
        if (!whole || e.getAsDouble() < 1 || e.getAsDouble() > MAX_TIMEOUT_MS) {
            throw ApiException.badRequest(
                    "rasd.timeout_ms",
                    "'rasd.timeout_ms' must be a whole number of milliseconds from 1 to " + MAX_TIMEOUT_MS + ", got "
                            + e);
        }
        return Duration.ofMillis(e.getAsLong());
    }

    private static List<ChatMessage> messages(JsonObject o) {
        if (!o.has("messages") || !o.get("messages").isJsonArray()) {
            throw ApiException.badRequest("messages", "'messages' is required: an array of {role, content}");
        }
        JsonArray array = o.getAsJsonArray("messages");
        if (array.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must not be empty");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String param = "messages[" + i + "]";
            if (!array.get(i).isJsonObject()) {
                throw ApiException.badRequest(param, param + " must be an object with role and content");
            }
            JsonObject m = array.get(i).getAsJsonObject();
            String role = string(m, "role");
            if (role == null) {
                throw ApiException.badRequest(param + ".role", param + ".role is required");
            }
            boolean callsTools = role.equals("assistant")
                    && m.has("tool_calls")
                    && !m.get("tool_calls").isJsonNull();
            // an assistant message that calls tools may have no content, as OpenAI sends it
            String content =
                    callsTools && (!m.has("content") || m.get("content").isJsonNull()) ? "" : content(m, param);
            switch (role) {
                case "system", "developer" -> out.add(SystemMessage.from(content));
                case "user" -> out.add(UserMessage.from(content));
                case "assistant" -> {
                    if (callsTools) {
                        List<ToolExecutionRequest> calls = toolCalls(m, param);
                        out.add(content.isEmpty() ? AiMessage.from(calls) : AiMessage.from(content, calls));
                    } else {
                        out.add(AiMessage.from(content));
                    }
                }
                case "tool" -> {
                    String id = string(m, "tool_call_id", param + ".tool_call_id");
                    if (id == null) {
                        throw ApiException.badRequest(param + ".tool_call_id", param + ".tool_call_id is required");
                    }
                    out.add(ToolExecutionResultMessage.from(id, toolName(out, id), content));
                }
                default ->
                    throw ApiException.badRequest(
                            param + ".role",
                            "role '" + role + "' is not supported (system, developer, user, assistant, tool)");
            }
        }
        return out;
    }

    /** An assistant message's {@code tool_calls}: {@code [{"id", "type": "function", "function": {"name", "arguments"}}]}. */
    private static List<ToolExecutionRequest> toolCalls(JsonObject m, String param) {
        String p = param + ".tool_calls";
        if (!m.get("tool_calls").isJsonArray() || m.getAsJsonArray("tool_calls").isEmpty()) {
            throw ApiException.badRequest(p, p + " must be a non-empty array of function calls");
        }
        List<ToolExecutionRequest> calls = new ArrayList<>();
        JsonArray array = m.getAsJsonArray("tool_calls");
        for (int j = 0; j < array.size(); j++) {
            String cp = p + "[" + j + "]";
            if (!array.get(j).isJsonObject()) {
                throw ApiException.badRequest(cp, cp + " must be an object");
            }
            JsonObject call = array.get(j).getAsJsonObject();
            JsonObject function = function(call, cp);
            String name = string(function, "name", cp + ".function.name");
            if (name == null || name.isBlank()) {
                throw ApiException.badRequest(cp + ".function.name", cp + ".function.name is required");
            }
            calls.add(ToolExecutionRequest.builder()
                    .id(string(call, "id", cp + ".id"))
                    .name(name)
                    .arguments(string(function, "arguments", cp + ".function.arguments"))
                    .build());
        }
        return calls;
    }

    /** The name of the tool the earlier call {@code id} named (templates such as Llama's read it); "" if none did. */
    private static String toolName(List<ChatMessage> earlier, String id) {
        for (int i = earlier.size() - 1; i >= 0; i--) {
            if (earlier.get(i) instanceof AiMessage a && a.hasToolExecutionRequests()) {
                for (ToolExecutionRequest r : a.toolExecutionRequests()) {
                    if (id.equals(r.id())) {
                        return r.name();
                    }
                }
            }
        }
        return "";
    }

    /** {@code type} "function" and the {@code function} object of a tool or a tool call. */
    private static JsonObject function(JsonObject o, String param) {
        String type = string(o, "type", param + ".type");
        if (type != null && !type.equals("function")) {
            throw ApiException.badRequest(
                    param + ".type", "only tools of type 'function' are supported, got '" + type + "'");
        }
        if (!o.has("function") || !o.get("function").isJsonObject()) {
            throw ApiException.badRequest(param + ".function", param + ".function must be an object");
        }
        return o.getAsJsonObject("function");
    }

    /** {@code tools}: the functions the model may call, each as a LangChain4j tool specification. */
    private static List<ToolSpecification> tools(JsonObject o) {
        JsonElement t = o.get("tools");
        if (t == null || t.isJsonNull()) {
            return List.of();
        }
        if (!t.isJsonArray()) {
            throw ApiException.badRequest("tools", "'tools' must be an array of functions");
        }
        List<ToolSpecification> tools = new ArrayList<>();
        for (int i = 0; i < t.getAsJsonArray().size(); i++) {
            String param = "tools[" + i + "]";
            JsonElement e = t.getAsJsonArray().get(i);
            if (!e.isJsonObject()) {
                throw ApiException.badRequest(param, param + " must be an object");
            }
            JsonObject function = function(e.getAsJsonObject(), param);
            String name = string(function, "name", param + ".function.name");
            if (name == null || name.isBlank()) {
                throw ApiException.badRequest(param + ".function.name", param + ".function.name is required");
            }
            ToolSpecification.Builder spec = ToolSpecification.builder()
                    .name(name)
                    .description(string(function, "description", param + ".function.description"));
            JsonElement parameters = function.get("parameters");
            if (parameters != null && !parameters.isJsonNull()) {
                spec.parameters(parameters(parameters, param + ".function.parameters"));
            }
            tools.add(spec.build());
        }
        return tools;
    }

    @SuppressWarnings("unchecked")
    private static JsonObjectSchema parameters(JsonElement parameters, String param) {
        try {
            if (TemplateValues.fromJson(parameters) instanceof Map<?, ?> m
                    && JsonSchemaElementJsonUtils.fromMap((Map<String, Object>) m) instanceof JsonObjectSchema s) {
                return s;
            }
        } catch (RuntimeException e) {
            throw ApiException.badRequest(param, param + " is not a JSON schema rasd can read: " + e.getMessage());
        }
        throw ApiException.badRequest(param, param + " must be a JSON schema of type 'object'");
    }

    /** {@code tool_choice}: "auto" (the default) or "none"; forcing a call cannot be honoured. */
    private static ToolChoice toolChoice(JsonObject o) {
        JsonElement c = o.get("tool_choice");
        if (c == null || c.isJsonNull()) {
            return ToolChoice.AUTO;
        }
        if (c.isJsonPrimitive() && c.getAsJsonPrimitive().isString()) {
            switch (c.getAsString()) {
                case "auto" -> {
                    return ToolChoice.AUTO;
                }
                case "none" -> {
                    return ToolChoice.NONE;
                }
                default -> {
                    // "required" and unknown values alike
                }
            }
        }
        throw ApiException.badRequest(
                "tool_choice",
                "'tool_choice' must be \"auto\" or \"none\": the model decides itself whether to call a tool"
                        + " (nothing can force a call), got " + c);
    }

    private static String content(JsonObject m, String param) {
        JsonElement c = m.get("content");
        if (c == null || c.isJsonNull()) {
            throw ApiException.badRequest(param + ".content", param + ".content is required");
        }
        if (c.isJsonPrimitive() && c.getAsJsonPrimitive().isString()) {
            return c.getAsString();
        }
        if (c.isJsonArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonElement part : c.getAsJsonArray()) {
                if (!part.isJsonObject() || !"text".equals(string(part.getAsJsonObject(), "type"))) {
                    throw ApiException.badRequest(param + ".content", "only text content parts are supported");
                }
                sb.append(string(part.getAsJsonObject(), "text"));
            }
            return sb.toString();
        }
        throw ApiException.badRequest(
                param + ".content", param + ".content must be a string or an array of text" + " parts");
    }

    private static List<String> stop(JsonObject o) {
        JsonElement s = o.get("stop");
        if (s == null || s.isJsonNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (s.isJsonPrimitive() && s.getAsJsonPrimitive().isString()) {
            out.add(s.getAsString());
        } else if (s.isJsonArray()) {
            for (JsonElement e : s.getAsJsonArray()) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                    throw ApiException.badRequest("stop", "'stop' must be a string or an array of strings");
                }
                out.add(e.getAsString());
            }
        } else {
            throw ApiException.badRequest("stop", "'stop' must be a string or an array of strings");
        }
        if (out.size() > 4) {
            throw ApiException.badRequest("stop", "at most 4 stop sequences, got " + out.size());
        }
        for (String x : out) {
            if (x.isEmpty() || x.length() > 256) {
                throw ApiException.badRequest("stop", "each stop sequence must have 1 to 256 characters");
            }
        }
        return out;
    }

    /**
     * The body as a JSON object, or 400 saying why it is not one. Parsed strictly (RFC 8259): no comments, single
     * quotes, unquoted names, NaN or trailing data, which a lenient parser would accept and guess at.
     */
    static JsonObject object(String body) {
        try {
            JsonReader reader = new JsonReader(new StringReader(body));
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (!e.isJsonObject()) {
                throw ApiException.badRequest(null, "The request body must be a JSON object");
            }
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw ApiException.badRequest(
                        null, "The request body is not valid JSON: more data after the object at " + location(reader));
            }
            checkUnicode(e, null);
            return e.getAsJsonObject();
        } catch (JsonParseException | IOException e) {
            throw ApiException.badRequest(null, "The request body is not valid JSON: " + rootMessage(e));
        }
    }

    /**
     * 400 naming the field when a string (or a name) holds an unpaired surrogate: JSON's {@code \\uD800} escapes can
     * write one, and it is no Unicode text (the tokenizer would silently replace it).
     */
    private static void checkUnicode(JsonElement e, String path) {
        if (e.isJsonObject()) {
            for (var member : e.getAsJsonObject().entrySet()) {
                String name = path == null ? member.getKey() : path + "." + member.getKey();
                checkString(member.getKey(), name);
                checkUnicode(member.getValue(), name);
            }
        } else if (e.isJsonArray()) {
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                checkUnicode(e.getAsJsonArray().get(i), (path == null ? "" : path) + "[" + i + "]");
            }
        } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            checkString(e.getAsString(), path);
        }
    }

    private static void checkString(String s, String param) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiException.badRequest(
                        param,
                        "'" + param + "' has an unpaired UTF-16 surrogate (\\u" + String.format("%04x", (int) c)
                                + ") at character " + i + "; the request's text must be Unicode");
            }
        }
    }

    /** "line L column C" of the reader's position. */
    private static String location(JsonReader reader) {
        String s = reader.toString(); // "JsonReader at line L column C path $"
        int at = s.indexOf(" at ");
        int path = s.indexOf(" path ");
        return at >= 0 && path > at ? s.substring(at + 4, path) : s;
    }

    /** A string field, null when absent, or 400 naming the field. */
    static String string(JsonObject o, String field) {
        return string(o, field, field);
    }

    /** A string field, null when absent, or 400 naming it {@code param} (its path in the request). */
    private static String string(JsonObject o, String field, String param) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw ApiException.badRequest(param, "'" + param + "' must be a string");
        }
        return e.getAsString();
    }

    private static Double number(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiException.badRequest(field, "'" + field + "' must be a number");
        }
        return e.getAsDouble();
    }

    private static Integer integer(JsonObject o, String field) {
        Long v = o.has(field) && !o.get(field).isJsonNull() ? integerLong(o, field) : null;
        if (v == null) {
            return null;
        }
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw ApiException.badRequest(field, "'" + field + "' is out of range: " + v);
        }
        return v.intValue();
    }

    private static Long integerLong(JsonObject o, String field) {
        Double d = number(o, field);
        if (d == null) {
            return null;
        }
        if (d != Math.rint(d) || Math.abs(d) > 9.0e15) {
            throw ApiException.badRequest(field, "'" + field + "' must be an integer, got " + d);
        }
        return d.longValue();
    }

    private static boolean bool(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw ApiException.badRequest(field, "'" + field + "' must be true or false");
        }
        return e.getAsBoolean();
    }

    private static boolean isFalse(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && !e.getAsBoolean();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
