package io.rasd.langchain4j;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import io.rasd.constrain.GrammarCache;
import java.util.Map;

/**
 * LangChain4j's {@link ResponseFormat} as the grammar of constrained decoding: {@code JSON} without a schema is JSON
 * mode (any object), {@code JSON} with a {@link JsonSchema} that schema, {@code TEXT} (or none) no constraint.
 *
 * <p>The schema's {@link JsonSchemaElement} tree is written out as a JSON-schema document the way LangChain4j's own
 * providers write it ({@code JsonSchemaElementUtils.toMap} in langchain4j-core, which is internal API, hence this
 * copy of its mapping): definitions under {@code $defs}, references as {@code #/$defs/NAME}, enums as strings, raw
 * schemas as given. The document goes through {@link GrammarCache}, so the schema an AI service sends with every call
 * is compiled once and its masks stay warm in the engine.
 */
final class ResponseFormats {

    private final GrammarCache grammars = new GrammarCache();

    /**
     * The constraint for this format, or null for text.
     *
     * @throws InvalidRequestException when the schema uses a keyword constrained decoding does not support (the
     *     message names its JSON pointer) or a raw schema is not JSON
     */
    Grammar grammar(ResponseFormat format) {
        if (format == null || format.type() != ResponseFormatType.JSON) {
            return null;
        }
        JsonSchema schema = format.jsonSchema();
        if (schema == null || schema.rootElement() == null) {
            return grammars.jsonObject();
        }
        try {
            return grammars.jsonSchema(document(schema.rootElement()).toString());
        } catch (RasdException e) {
            throw new InvalidRequestException(
                    "responseFormat: the JSON schema" + (schema.name() == null ? "" : " \"" + schema.name() + "\"")
                            + " cannot be used for constrained decoding: " + e.getMessage(),
                    e);
        }
    }

    /** The element as a JSON-schema document. */
    static JsonElement document(JsonSchemaElement element) {
        JsonObject out = new JsonObject();
        if (element instanceof JsonRawSchema raw) {
            try {
                return JsonParser.parseString(raw.schema());
            } catch (RuntimeException e) {
                throw new RasdException("the raw schema is not valid JSON: " + e.getMessage(), e);
            }
        } else if (element instanceof JsonObjectSchema o) {
            out.addProperty("type", "object");
            Map<String, JsonSchemaElement> properties = o.properties();
            // no properties and no "additionalProperties: false": a map, any object (an empty "properties" would
            // mean "no property at all" to the compiler, which reads absent additionalProperties as false)
            if ((properties != null && !properties.isEmpty()) || Boolean.FALSE.equals(o.additionalProperties())) {
                out.add("properties", documents(properties));
            }
            if (o.required() != null && !o.required().isEmpty()) {
                out.add("required", strings(o.required()));
            }
            if (o.additionalProperties() != null) {
                out.addProperty("additionalProperties", o.additionalProperties());
            }
            if (o.definitions() != null && !o.definitions().isEmpty()) {
                out.add("$defs", documents(o.definitions()));
            }
        } else if (element instanceof JsonArraySchema a) {
            out.addProperty("type", "array");
            if (a.items() != null) {
                out.add("items", document(a.items()));
            }
        } else if (element instanceof JsonEnumSchema e) {
            out.addProperty("type", "string");
            out.add("enum", strings(e.enumValues()));
        } else if (element instanceof JsonStringSchema) {
            out.addProperty("type", "string");
        } else if (element instanceof JsonIntegerSchema) {
            out.addProperty("type", "integer");
        } else if (element instanceof JsonNumberSchema) {
            out.addProperty("type", "number");
        } else if (element instanceof JsonBooleanSchema) {
            out.addProperty("type", "boolean");
        } else if (element instanceof JsonNullSchema) {
            out.addProperty("type", "null");
        } else if (element instanceof JsonReferenceSchema r) {
            out.addProperty("$ref", "#/$defs/" + r.reference());
        } else if (element instanceof JsonAnyOfSchema any) {
            JsonArray options = new JsonArray();
            any.anyOf().forEach(option -> options.add(document(option)));
            out.add("anyOf", options);
        } else {
            throw new RasdException(
                    "the schema element type " + element.getClass().getName() + " is not supported");
        }
        if (element.description() != null) {
            out.addProperty("description", element.description());
        }
        return out;
    }

    private static JsonObject documents(Map<String, JsonSchemaElement> elements) {
        JsonObject out = new JsonObject();
        if (elements != null) {
            elements.forEach((name, element) -> out.add(name, document(element)));
        }
        return out;
    }

    private static JsonArray strings(Iterable<String> values) {
        JsonArray out = new JsonArray();
        values.forEach(out::add);
        return out;
    }
}
