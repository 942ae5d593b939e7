package io.rasd.constrain;

import java.util.List;

/**
 * What one JSON value must look like: the compiled form of a schema (or of JSON mode). Nodes are immutable and compare
 * by identity (a {@code $ref} may make them cyclic); a {@link Frame} holds the node it is matching.
 *
 * <p>{@link #start} is the only operation: the first byte of a value decides which frames follow. Whitespace before a
 * value is consumed by the frame that expects the value, never here.
 */
abstract class Node {

    /** Adds to {@code out} every stack that follows reading {@code b} as this value's first byte, above {@code rest}. */
    abstract void start(int b, Stack rest, List<Stack> out);

    static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    /** JSON's insignificant whitespace. */
    static boolean isWhitespace(int b) {
        return b == ' ' || b == '\n' || b == '\t' || b == '\r';
    }

    /** Any JSON value (JSON mode's object members and array items). */
    static final Node ANY = new Node() {
        @Override
        void start(int b, Stack rest, List<Stack> out) {
            switch (b) {
                case '{' -> out.add(new Stack(new Frame.Obj(ObjectNode.ANY, Frame.Obj.OPEN, 0), rest));
                case '[' -> out.add(new Stack(new Frame.Arr(ArrayNode.ANY, Frame.Arr.OPEN, 0), rest));
                case '"' -> out.add(new Stack(new Frame.Str(StringNode.ANY, 0, 0), rest));
                case 't', 'f', 'n' -> LiteralNode.TRUE_FALSE_NULL.start(b, rest, out);
                default -> NumberNode.NUMBER.start(b, rest, out);
            }
        }

        @Override
        public String toString() {
            return "any";
        }
    };

    /**
     * An object. With {@code additional} null: the named properties in their schema order, the required ones always,
     * the others optionally, nothing else. With no properties and {@code additional} = {@link #ANY}: any object.
     */
    static final class ObjectNode extends Node {
        static final ObjectNode ANY = new ObjectNode(new String[0], new Node[0], new boolean[0], Node.ANY);

        final String[] names;
        /** Each name as a JSON string, quotes included: what a key must spell, byte for byte. */
        final byte[][] keys;

        final Node[] values;
        final boolean[] required;
        final Node additional;

        ObjectNode(String[] names, Node[] values, boolean[] required, Node additional) {
            this.names = names;
            this.values = values;
            this.required = required;
            this.additional = additional;
            this.keys = new byte[names.length][];
            for (int i = 0; i < names.length; i++) {
                keys[i] = JsonText.string(names[i]);
            }
        }

        /** The first required property at or after {@code next}, or the property count. */
        int firstRequired(int next) {
            int j = next;
            while (j < names.length && !required[j]) {
                j++;
            }
            return j;
        }

        /** The last property a key may name after {@code next}: it may skip optional ones, never a required one. */
        int lastCandidate(int next) {
            return Math.min(firstRequired(next), names.length - 1);
        }

        @Override
        void start(int b, Stack rest, List<Stack> out) {
            if (b == '{') {
                out.add(new Stack(new Frame.Obj(this, Frame.Obj.OPEN, 0), rest));
            }
        }
    }

    /** An array of {@code items}, at least {@code min} and at most {@code max} of them ({@code max} -1: no limit). */
    static final class ArrayNode extends Node {
        static final ArrayNode ANY = new ArrayNode(Node.ANY, 0, -1);

        final Node items;
        final int min;
        final int max;

        ArrayNode(Node items, int min, int max) {
            this.items = items;
            this.min = min;
            this.max = max;
        }

        /** Counts above what the bounds can tell apart are one state, so the automaton stays finite per array. */
        int cap(int count) {
            return max >= 0 ? Math.min(count, max) : Math.min(count, min);
        }

        @Override
        void start(int b, Stack rest, List<Stack> out) {
            if (b == '[') {
                out.add(new Stack(new Frame.Arr(this, Frame.Arr.OPEN, 0), rest));
            }
        }
    }

    /** A string of {@code min} to {@code max} characters (code points; {@code max} -1: no limit). */
    static final class StringNode extends Node {
        static final StringNode ANY = new StringNode(0, -1);

        final int min;
        final int max;

        StringNode(int min, int max) {
            this.min = min;
            this.max = max;
        }

        /** The length after one more character, or -1 when the string is full; capped like {@link ArrayNode#cap}. */
        int oneMore(int length) {
            if (max >= 0) {
                return length < max ? length + 1 : -1;
            }
            return Math.min(length + 1, min);
        }

        @Override
        void start(int b, Stack rest, List<Stack> out) {
            if (b == '"') {
                out.add(new Stack(new Frame.Str(this, 0, 0), rest));
            }
        }
    }

    /** A JSON number, or an integer (no fraction, no exponent). */
    static final class NumberNode extends Node {
        static final NumberNode NUMBER = new NumberNode(false);
        static final NumberNode INTEGER = new NumberNode(true);

        final boolean integer;

        private NumberNode(boolean integer) {
            this.integer = integer;
        }

        @Override
        void start(int b, Stack rest, List<Stack> out) {
            int sub = b == '-' ? Frame.Num.SIGN : b == '0' ? Frame.Num.ZERO : isDigit(b) ? Frame.Num.INT : -1;
            if (sub >= 0) {
                out.add(new Stack(new Frame.Num(this, sub), rest));
            }
        }
    }

    /** One of a fixed set of values, each spelled as its canonical JSON text (enum, const, boolean, null). */
    static final class LiteralNode extends Node {
        static final LiteralNode TRUE_FALSE_NULL = new LiteralNode(List.of("true", "false", "null"));
        static final LiteralNode BOOLEAN = new LiteralNode(List.of("true", "false"));
        static final LiteralNode NULL = new LiteralNode(List.of("null"));

        final byte[][] literals;

        LiteralNode(List<String> jsonTexts) {
            literals = new byte[jsonTexts.size()][];
            for (int i = 0; i < literals.length; i++) {
                literals[i] = jsonTexts.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
        }

        @Override
        void start(int b, Stack rest, List<Stack> out) {
            Frame.Lit.advance(this, 0, 0, b, rest, out);
        }
    }

    /** Any of several schemas (anyOf, oneOf, a list of types): every alternative is followed at once. */
    static final class AnyOfNode extends Node {
        final Node[] alternatives;

        AnyOfNode(Node[] alternatives) {
            this.alternatives = alternatives;
        }

        @Override
        void start(int b, Stack rest, List<Stack> out) {
            for (Node a : alternatives) {
                a.start(b, rest, out);
            }
        }
    }

    /** A {@code $ref}: resolved once the whole schema is compiled, so a definition may refer to itself. */
    static final class RefNode extends Node {
        Node target;

        @Override
        void start(int b, Stack rest, List<Stack> out) {
            target.start(b, rest, out);
        }
    }
}
