package io.rasd.constrain;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.rasd.RasdException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the practical subset of JSON Schema that structured-output APIs use (OpenAI's strict mode, LangChain4j's
 * and Spring AI's generated schemas) into {@link Node}s. Anything outside the subset is refused with a
 * {@link RasdException} naming the keyword's JSON pointer: silently ignoring a keyword would let the model write
 * output the caller's schema forbids.
 */
final class JsonSchemaCompiler {

    /** What the message of every refusal lists. */
    static final String SUPPORTED = "supported: type (object, array, string, number, integer, boolean, null, or a list"
            + " of them), properties, required, additionalProperties (false; true or absent only without properties),"
            + " items, minItems, maxItems, minLength, maxLength, enum, const, anyOf, oneOf (followed as anyOf),"
            + " nullable, $ref to a local definition ($defs, definitions), and the annotations title, description,"
            + " format, default, examples, $schema, $id, $comment, deprecated, readOnly, writeOnly";

    private static final Set<String> ANNOTATIONS = Set.of(
            "title",
            "description",
            "format", // an annotation unless a format-assertion vocabulary is declared (JSON Schema 2019-09 on)
            "default",
            "examples",
            "$schema",
            "$id",
            "$comment",
            "deprecated",
            "readOnly",
            "writeOnly",
            "$defs",
            "definitions");

    private static final Set<String> KEYWORDS = Set.of(
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "enum",
            "const",
            "anyOf",
            "oneOf",
            "nullable",
            "$ref");

    private final JsonElement document;
    /** Compiled $ref targets by pointer: a definition used twice is compiled once, and may refer to itself. */
    private final Map<String, Node.RefNode> refs = new HashMap<>();

    private final List<Runnable> pendingRefs = new ArrayList<>();

    private JsonSchemaCompiler(JsonElement document) {
        this.document = document;
    }

    static Node compile(JsonElement schema) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(schema);
        Node root = c.node(schema, "");
        while (!c.pendingRefs.isEmpty()) {
            c.pendingRefs.remove(c.pendingRefs.size() - 1).run();
        }
        return root;
    }

    private Node node(JsonElement schema, String pointer) {
        if (schema.isJsonPrimitive() && schema.getAsJsonPrimitive().isBoolean()) {
            if (schema.getAsBoolean()) {
                return Node.ANY;
            }
            throw refuse(pointer, "the schema false (no value matches it)");
        }
        if (!schema.isJsonObject()) {
            throw new RasdException(
                    "JSON schema at " + at(pointer) + " is " + schema + ", not a schema (an object or a" + " boolean)");
        }
        JsonObject s = schema.getAsJsonObject();
        for (String key : s.keySet()) {
            if (!KEYWORDS.contains(key) && !ANNOTATIONS.contains(key)) {
                throw refuse(pointer + "/" + escape(key), "the keyword \"" + key + "\"");
            }
        }
        if (s.has("$ref")) {
            if (s.keySet().stream().anyMatch(k -> KEYWORDS.contains(k) && !k.equals("$ref"))) {
                throw refuse(pointer, "$ref beside other keywords");
            }
            return ref(string(s, "$ref", pointer), pointer + "/$ref");
        }
        Node value = value(s, pointer);
        if (s.has("nullable") && bool(s, "nullable", pointer)) {
            return new Node.AnyOfNode(new Node[] {value, Node.LiteralNode.NULL});
        }
        return value;
    }

    private Node value(JsonObject s, String pointer) {
        if (s.has("const")) {
            return new Node.LiteralNode(List.of(JsonText.of(s.get("const"))));
        }
        if (s.has("enum")) {
            JsonArray values = array(s, "enum", pointer);
            if (values.isEmpty()) {
                throw refuse(pointer + "/enum", "an empty enum (no value matches it)");
            }
            List<String> texts = new ArrayList<>();
            values.forEach(v -> texts.add(JsonText.of(v)));
            return new Node.LiteralNode(texts);
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            if (s.has(combinator)) {
                if (s.has("type")
                        || s.has("properties")
                        || s.has("items")
                        || s.has(combinator.equals("anyOf") ? "oneOf" : "anyOf")) {
                    throw refuse(
                            pointer + "/" + combinator,
                            combinator + " beside type, properties, items or another"
                                    + " combinator (put them inside each alternative)");
                }
                JsonArray alts = array(s, combinator, pointer);
                if (alts.isEmpty()) {
                    throw refuse(pointer + "/" + combinator, "an empty " + combinator);
                }
                Node[] nodes = new Node[alts.size()];
                for (int i = 0; i < nodes.length; i++) {
                    nodes[i] = node(alts.get(i), pointer + "/" + combinator + "/" + i);
                }
                return nodes.length == 1 ? nodes[0] : new Node.AnyOfNode(nodes);
            }
        }
        JsonElement type = s.get("type");
        if (type == null) {
            // no type: what the other keywords imply, or any value
            return s.has("properties") || s.has("required") || s.has("additionalProperties")
                    ? typed(s, "object", pointer, pointer)
                    : s.has("items") ? typed(s, "array", pointer, pointer) : Node.ANY;
        }
        if (type.isJsonArray()) {
            JsonArray types = type.getAsJsonArray();
            if (types.isEmpty()) {
                throw refuse(pointer + "/type", "an empty list of types");
            }
            Node[] nodes = new Node[types.size()];
            for (int i = 0; i < nodes.length; i++) {
                JsonElement t = types.get(i);
                if (!t.isJsonPrimitive() || !t.getAsJsonPrimitive().isString()) {
                    throw refuse(pointer + "/type/" + i, "the type " + t);
                }
                nodes[i] = typed(s, t.getAsString(), pointer, pointer + "/type/" + i);
            }
            return nodes.length == 1 ? nodes[0] : new Node.AnyOfNode(nodes);
        }
        if (!type.isJsonPrimitive() || !type.getAsJsonPrimitive().isString()) {
            throw refuse(pointer + "/type", "the type " + type);
        }
        return typed(s, type.getAsString(), pointer, pointer + "/type");
    }

    /** {@code typePointer} names the type, for the message when it is not one of JSON's. */
    private Node typed(JsonObject s, String type, String pointer, String typePointer) {
        return switch (type) {
            case "object" -> object(s, pointer);
            case "array" -> {
                Node items = s.has("items") ? node(s.get("items"), pointer + "/items") : Node.ANY;
                int min = count(s, "minItems", pointer, 0);
                int max = count(s, "maxItems", pointer, -1);
                checkBounds(pointer, "minItems", min, "maxItems", max);
                yield min == 0 && max < 0 && items == Node.ANY
                        ? Node.ArrayNode.ANY
                        : new Node.ArrayNode(items, min, max);
            }
            case "string" -> {
                int min = count(s, "minLength", pointer, 0);
                int max = count(s, "maxLength", pointer, -1);
                checkBounds(pointer, "minLength", min, "maxLength", max);
                yield min == 0 && max < 0 ? Node.StringNode.ANY : new Node.StringNode(min, max);
            }
            case "number" -> Node.NumberNode.NUMBER;
            case "integer" -> Node.NumberNode.INTEGER;
            case "boolean" -> Node.LiteralNode.BOOLEAN;
            case "null" -> Node.LiteralNode.NULL;
            default -> throw refuse(typePointer, "the type \"" + type + "\"");
        };
    }

    private Node object(JsonObject s, String pointer) {
        JsonObject props = s.has("properties") ? object(s, "properties", pointer) : new JsonObject();
        JsonElement additional = s.get("additionalProperties");
        boolean closed = additional != null
                && additional.isJsonPrimitive()
                && additional.getAsJsonPrimitive().isBoolean()
                && !additional.getAsBoolean();
        boolean open = additional == null
                || (additional.isJsonPrimitive()
                        && additional.getAsJsonPrimitive().isBoolean()
                        && additional.getAsBoolean());
        if (!closed && !open) {
            throw refuse(pointer + "/additionalProperties", "additionalProperties as a schema");
        }
        if (props.isEmpty() && !closed) {
            if (s.has("required") && !array(s, "required", pointer).isEmpty()) {
                throw refuse(pointer + "/required", "required properties without properties");
            }
            return Node.ObjectNode.ANY;
        }
        if (additional != null && open) {
            throw refuse(
                    pointer + "/additionalProperties",
                    "additionalProperties: true beside properties (rasd writes"
                            + " only the listed properties: leave it out or set it to false)");
        }
        String[] names = props.keySet().toArray(new String[0]);
        Node[] values = new Node[names.length];
        boolean[] required = new boolean[names.length];
        for (int i = 0; i < names.length; i++) {
            values[i] = node(props.get(names[i]), pointer + "/properties/" + escape(names[i]));
        }
        if (s.has("required")) {
            JsonArray req = array(s, "required", pointer);
            List<String> list = List.of(names);
            for (int i = 0; i < req.size(); i++) {
                JsonElement r = req.get(i);
                int index =
                        r.isJsonPrimitive() && r.getAsJsonPrimitive().isString() ? list.indexOf(r.getAsString()) : -1;
                if (index < 0) {
                    throw new RasdException("JSON schema: required property " + r + " at "
                            + at(pointer + "/required/" + i) + " is not among the properties " + list);
                }
                required[index] = true;
            }
        }
        return new Node.ObjectNode(names, values, required, null);
    }

    /** A local reference, compiled once (after the schema that uses it, so a definition may use itself). */
    private Node ref(String ref, String pointer) {
        if (!ref.equals("#") && !ref.startsWith("#/")) {
            throw refuse(pointer, "the reference \"" + ref + "\" (only local ones, \"#\" or \"#/...\")");
        }
        String target = ref.substring(1);
        Node.RefNode node = refs.get(target);
        if (node != null) {
            return node;
        }
        Node.RefNode created = new Node.RefNode();
        refs.put(target, created);
        JsonElement schema = resolve(target, pointer);
        pendingRefs.add(() -> created.target = node(schema, target));
        return created;
    }

    private JsonElement resolve(String target, String pointer) {
        JsonElement e = document;
        for (String part :
                target.isEmpty() ? new String[0] : target.substring(1).split("/", -1)) {
            String key = part.replace("~1", "/").replace("~0", "~");
            if (e.isJsonObject() && e.getAsJsonObject().has(key)) {
                e = e.getAsJsonObject().get(key);
            } else if (e.isJsonArray()
                    && key.matches("\\d{1,9}")
                    && Integer.parseInt(key) < e.getAsJsonArray().size()) {
                e = e.getAsJsonArray().get(Integer.parseInt(key));
            } else {
                throw new RasdException("JSON schema: the reference \"#" + target + "\" at " + at(pointer)
                        + " points to nothing in the schema");
            }
        }
        return e;
    }

    private static void checkBounds(String pointer, String minKey, int min, String maxKey, int max) {
        if (max >= 0 && max < min) {
            throw new RasdException("JSON schema: " + maxKey + " " + max + " is below " + minKey + " " + min + " at "
                    + at(pointer) + " (no value matches)");
        }
    }

    private static int count(JsonObject s, String key, String pointer, int absent) {
        if (!s.has(key)) {
            return absent;
        }
        JsonElement e = s.get(key);
        try {
            long v = e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
            if (v >= 0 && v <= 100_000) {
                return (int) v;
            }
        } catch (RuntimeException ignored) {
            // not an integer: refused below
        }
        throw new RasdException("JSON schema: " + key + " at " + at(pointer + "/" + key) + " is " + e
                + "; expected an integer from 0 to 100000");
    }

    private static JsonArray array(JsonObject s, String key, String pointer) {
        JsonElement e = s.get(key);
        if (!e.isJsonArray()) {
            throw new RasdException(
                    "JSON schema: " + key + " at " + at(pointer + "/" + key) + " is " + e + "; expected an array");
        }
        return e.getAsJsonArray();
    }

    private static JsonObject object(JsonObject s, String key, String pointer) {
        JsonElement e = s.get(key);
        if (!e.isJsonObject()) {
            throw new RasdException(
                    "JSON schema: " + key + " at " + at(pointer + "/" + key) + " is " + e + "; expected an object");
        }
        return e.getAsJsonObject();
    }

    private static String string(JsonObject s, String key, String pointer) {
        JsonElement e = s.get(key);
        if (!(e instanceof JsonPrimitive p) || !p.isString()) {
            throw new RasdException(
                    "JSON schema: " + key + " at " + at(pointer + "/" + key) + " is " + e + "; expected a string");
        }
        return p.getAsString();
    }

    private static boolean bool(JsonObject s, String key, String pointer) {
        JsonElement e = s.get(key);
        if (!(e instanceof JsonPrimitive p) || !p.isBoolean()) {
            throw new RasdException(
                    "JSON schema: " + key + " at " + at(pointer + "/" + key) + " is " + e + "; expected true or false");
        }
        return p.getAsBoolean();
    }

    private static RasdException refuse(String pointer, String what) {
        return new RasdException("JSON schema: " + what + " at " + at(pointer)
                + " is not supported by rasd's constrained decoding; " + SUPPORTED);
    }

    /** A JSON pointer as messages show it: the root is "/" rather than "". */
    private static String at(String pointer) {
        return pointer.isEmpty() ? "/ (the root)" : pointer;
    }

    /** RFC 6901: '~' and '/' in a key. */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
