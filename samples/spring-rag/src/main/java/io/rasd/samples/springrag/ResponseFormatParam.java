package io.rasd.samples.springrag;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import java.util.regex.Pattern;

/**
 * OpenAI's {@code response_format} as a LangChain4j {@link ResponseFormat}, which rasd's chat models turn into
 * constrained decoding: {@code {"type": "text"}} (or none) free text, {@code {"type": "json_object"}} any JSON object,
 * {@code {"type": "json_schema", "json_schema": {"name", "schema", "strict", "description"}}} a document of that
 * schema. Every output is held to the schema, so {@code strict} is accepted either way. Errors are 400s naming
 * {@code response_format}; a schema keyword constrained decoding cannot follow is refused here, with its JSON
 * pointer, rather than by the chat model, so the error names the parameter as OpenAI's does.
 */
final class ResponseFormatParam {

    private static final String PARAM = "response_format";
    /** OpenAI's rule for {@code json_schema.name}. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private ResponseFormatParam() {}

    /** The request's {@code response_format}; null for free text. */
    static ResponseFormat parse(JsonObject request) {
        JsonElement e = request.get(PARAM);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw bad("'response_format' must be an object like {\"type\": \"json_object\"}");
        }
        JsonObject format = e.getAsJsonObject();
        String type = string(format, "type");
        if (type == null) {
            throw bad("'response_format.type' is required: text, json_object or json_schema");
        }
        return switch (type) {
            case "text" -> null;
            case "json_object" -> ResponseFormat.JSON;
            case "json_schema" -> jsonSchema(format);
            default -> throw bad("response_format '" + type + "' is not supported (text, json_object, json_schema)");
        };
    }

    private static ResponseFormat jsonSchema(JsonObject format) {
        JsonElement e = format.get("json_schema");
        if (e == null || !e.isJsonObject()) {
            throw bad("'response_format.json_schema' is required with type json_schema: an object with name and"
                    + " schema");
        }
        JsonObject spec = e.getAsJsonObject();
        String name = string(spec, "name");
        if (name == null || !NAME.matcher(name).matches()) {
            throw bad("'response_format.json_schema.name' must be 1 to 64 letters, digits, '_' or '-', got "
                    + (name == null ? "none" : "'" + name + "'"));
        }
        string(spec, "description"); // checked for its type; the grammar has no use for it
        JsonElement strict = spec.get("strict");
        if (strict != null
                && !strict.isJsonNull()
                && !(strict.isJsonPrimitive() && strict.getAsJsonPrimitive().isBoolean())) {
            throw bad("'response_format.json_schema.strict' must be true or false");
        }
        JsonElement schema = spec.get("schema");
        if (schema == null || schema.isJsonNull()) {
            return ResponseFormat.JSON; // OpenAI's schema is optional: then any JSON object
        }
        if (!schema.isJsonObject()) {
            throw bad("'response_format.json_schema.schema' must be a JSON schema object");
        }
        String text = schema.toString();
        try {
            Grammar.jsonSchema(text);
        } catch (RasdException x) {
            throw bad("response_format.json_schema.schema '" + name + "' cannot be followed: " + x.getMessage());
        }
        return ResponseFormat.builder()
                .type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder()
                        .name(name)
                        .rootElement(JsonRawSchema.from(text))
                        .build())
                .build();
    }

    private static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw bad("'response_format." + field + "' must be a string");
        }
        return e.getAsString();
    }

    private static ApiException bad(String message) {
        return ApiException.badRequest(PARAM, message);
    }
}
