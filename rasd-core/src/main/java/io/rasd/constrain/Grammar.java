package io.rasd.constrain;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.rasd.RasdException;

/**
 * What constrained decoding lets the model write: one JSON document, as a byte-level automaton. JSON mode is any JSON
 * object; a JSON schema is compiled from its practical subset (see {@link #jsonSchema}). Immutable and thread-safe;
 * compile a schema once and reuse the grammar, since the engine caches allowed-token masks per grammar.
 *
 * <p>The automaton reads bytes, not characters: byte-level BPE tokens may end inside a UTF-8 character, and the
 * matcher then stands inside that character (strings are checked as UTF-8 as they come). Generated JSON has no
 * whitespace after the root value, so a closed object is a final state and the generation ends there.
 */
public final class Grammar {

    private final Node root;
    private final String description;

    private Grammar(Node root, String description) {
        this.root = root;
        this.description = description;
    }

    /** JSON mode: any JSON object (nested values of any JSON type), optionally preceded by whitespace. */
    public static Grammar jsonObject() {
        return new Grammar(Node.ObjectNode.ANY, "any JSON object");
    }

    /**
     * A JSON schema (its text). Supported: type (object, array, string, number, integer, boolean, null,
     * or a list), properties, required, additionalProperties false, items, minItems, maxItems, minLength, maxLength,
     * enum, const, anyOf, oneOf, nullable and local {@code $ref}s (recursive ones too). Properties are written in the
     * schema's order, every required one and optionally the others; {@code additionalProperties} absent beside
     * properties means false. {@code oneOf} is followed as {@code anyOf}; {@code format} is an annotation (not
     * enforced), as JSON Schema itself defines it. Enum and const values must be written in their compact JSON
     * spelling (strings with only the escapes JSON requires).
     *
     * @throws RasdException when the text is not JSON, or uses a keyword outside the subset: the message names its
     *     JSON pointer and lists what is supported
     */
    public static Grammar jsonSchema(String schema) {
        JsonElement json;
        try {
            json = JsonParser.parseString(schema);
        } catch (RuntimeException e) {
            throw new RasdException("The JSON schema is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || json.isJsonNull()) {
            throw new RasdException("The JSON schema is empty");
        }
        return new Grammar(JsonSchemaCompiler.compile(json), "JSON schema");
    }

    /** The state before any output: a value is expected (whitespace first allowed). */
    public MatchState start() {
        return new MatchState(new Stack[] {new Stack(new Frame.Value(root), new Stack(Frame.End.END, null))});
    }

    /** Whether {@code text} is a complete document of this grammar (for tests and adapters). */
    public boolean matches(String text) {
        MatchState s = start().advance(text);
        return s != null && s.accepting();
    }

    @Override
    public String toString() {
        return description;
    }
}
