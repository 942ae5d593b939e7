package io.rasd.constrain;

import java.util.List;

/**
 * Where the matcher is inside one JSON value: the top of a {@link Stack}, whose rest says what follows the value.
 * Frames are records, so two stacks that will accept the same bytes from here on are equal (the mask cache relies on
 * it); their nodes compare by identity.
 */
sealed interface Frame {

    /** Adds to {@code out} every stack that follows reading {@code b} in this frame (none: {@code b} is not allowed). */
    void step(int b, Stack rest, List<Stack> out);

    /** Whether the value may end here, the next byte then going to the frame below (numbers, literals like 1 of 1|12). */
    default boolean canEnd() {
        return false;
    }

    /**
     * Whitespace in a row at most (JSON allows any amount): a model that likes newlines could otherwise fill its
     * whole budget with whitespace before the first brace. Pretty-printed JSON needs a newline and the indentation.
     */
    int MAX_WHITESPACE = 24;

    /** A value is expected: whitespace, or its first byte. {@code ws}: whitespace bytes read in a row. */
    record Value(Node node, int ws) implements Frame {
        Value(Node node) {
            this(node, 0);
        }

        @Override
        public void step(int b, Stack rest, List<Stack> out) {
            if (Node.isWhitespace(b)) {
                if (ws < MAX_WHITESPACE) {
                    out.add(new Stack(new Value(node, ws + 1), rest));
                }
            } else {
                node.start(b, rest, out);
            }
        }
    }

    /** After the root value: nothing more (not even whitespace, so a finished answer is a final state). */
    record End() implements Frame {
        static final End END = new End();

        @Override
        public void step(int b, Stack rest, List<Stack> out) {}

        @Override
        public boolean canEnd() {
            return true;
        }
    }

    /**
     * Inside an object, between members. {@code index}: the next property a key may name (properties are written in
     * schema order), or in {@link #COLON} the property whose key was just read.
     */
    record Obj(Node.ObjectNode node, int stage, int index, int ws) implements Frame {
        static final int OPEN = 0; // after '{'
        static final int COLON = 1; // after a key
        static final int AFTER = 2; // after a member's value
        static final int COMMA = 3; // after ','

        Obj(Node.ObjectNode node, int stage, int index) {
            this(node, stage, index, 0);
        }

        @Override
        public void step(int b, Stack rest, List<Stack> out) {
            if (Node.isWhitespace(b)) {
                if (ws < MAX_WHITESPACE) {
                    out.add(new Stack(new Obj(node, stage, index, ws + 1), rest));
                }
                return;
            }
            boolean free = node.additional != null; // any keys (JSON mode)
            int n = node.names.length;
            switch (stage) {
                case OPEN, COMMA -> {
                    if (b == '}' && stage == OPEN && node.firstRequired(0) == n) {
                        out.add(rest);
                    } else if (b == '"' && free) {
                        out.add(new Stack(
                                new Str(Node.StringNode.ANY, 0, 0), new Stack(new Obj(node, COLON, -1), rest)));
                    } else if (b == '"' && index < n) {
                        out.add(new Stack(new Key(node, index, index, 1), rest));
                    }
                }
                case COLON -> {
                    if (b == ':') {
                        Node value = free ? node.additional : node.values[index];
                        out.add(new Stack(new Value(value), new Stack(new Obj(node, AFTER, index + 1), rest)));
                    }
                }
                default -> { // AFTER
                    if (b == '}' && (free || node.firstRequired(index) == n)) {
                        out.add(rest);
                    } else if (b == ',' && (free || index < n)) {
                        out.add(new Stack(new Obj(node, COMMA, free ? 0 : index), rest));
                    }
                }
            }
        }
    }

    /**
     * Reading a key of a named-properties object. The candidates are the properties from {@code next} to
     * {@link Node.ObjectNode#lastCandidate} whose key starts with the {@code pos} bytes read; {@code first} is the
     * first of them, whose key spells those bytes (so no set of candidates needs storing).
     */
    record Key(Node.ObjectNode node, int next, int first, int pos) implements Frame {
        @Override
        public void step(int b, Stack rest, List<Stack> out) {
            byte[][] keys = node.keys;
            int last = node.lastCandidate(next);
            for (int j = first; j <= last; j++) {
                if (keys[j].length > pos && keys[j][pos] == (byte) b && samePrefix(keys[j], keys[first], pos)) {
                    // keys are quoted and distinct, so the one that ends here is the only match
                    out.add(new Stack(
                            pos + 1 == keys[j].length ? new Obj(node, Obj.COLON, j) : new Key(node, next, j, pos + 1),
                            rest));
                    return;
                }
            }
        }
    }

    /** Inside an array; {@code count}: items read so far, capped where the bounds no longer tell counts apart. */
    record Arr(Node.ArrayNode node, int stage, int count, int ws) implements Frame {
        static final int OPEN = 0; // after '['
        static final int AFTER = 1; // after an item
        static final int COMMA = 2; // after ','

        Arr(Node.ArrayNode node, int stage, int count) {
            this(node, stage, count, 0);
        }

        @Override
        public void step(int b, Stack rest, List<Stack> out) {
            if (Node.isWhitespace(b)) {
                if (ws < MAX_WHITESPACE) {
                    out.add(new Stack(new Arr(node, stage, count, ws + 1), rest));
                }
                return;
            }
            if (stage == AFTER) {
                if (b == ']' && count >= node.min) {
                    out.add(rest);
                } else if (b == ',' && (node.max < 0 || count < node.max)) {
                    out.add(new Stack(new Arr(node, COMMA, count), rest));
                }
                return;
            }
            if (b == ']' && stage == OPEN && node.min == 0) {
                out.add(rest);
            } else if (node.max != 0) {
                node.items.start(b, new Stack(new Arr(node, AFTER, node.cap(count + 1)), rest), out);
            }
        }
    }

    /**
     * Inside a string, byte by byte: escapes, and UTF-8 checked as it comes, so a token that ends in the middle of a
     * character leaves the matcher in the middle of it. {@code length}: characters so far, capped by the node.
     */
    record Str(Node.StringNode node, int sub, int length) implements Frame {
        static final int TEXT = 0;
        static final int ESCAPE = 1; // after '\'
        static final int HEX = 2; // 2..5: hex digits of a \\u escape still to come = 6 - sub
        static final int CONT1 = 6; // one continuation byte (80-BF) ends the character
        static final int CONT2 = 7; // two continuation bytes to come
        static final int CONT3 = 8; // three
        static final int E0 = 9; // after E0: A0-BF, then one more (no overlong forms)
        static final int ED = 10; // after ED: 80-9F, then one more (no surrogates)
        static final int F0 = 11; // after F0: 90-BF, then two more
        static final int F4 = 12; // after F4: 80-8F, then two more (nothing above U+10FFFF)

        @Override
        public void step(int b, Stack rest, List<Stack> out) {
            int next = next(b);
            if (next == -2) {
                out.add(rest); // the closing quote
            } else if (next >= 0) {
                out.add(new Stack(new Str(node, next & 0xF, next >>> 4), rest));
            }
        }

        /** The next (length << 4 | sub), -2 for the closing quote, -1 when {@code b} is not allowed. */
        private int next(int b) {
            switch (sub) {
                case TEXT -> {
                    if (b == '"') {
                        return length >= node.min ? -2 : -1;
                    }
                    int more = node.oneMore(length);
                    if (more < 0 || b < 0x20) {
                        return -1; // full, or a control character (JSON wants them escaped)
                    }
                    if (b == '\\') {
                        return state(ESCAPE, length);
                    }
                    if (b < 0x80) {
                        return state(TEXT, more);
                    }
                    if (b >= 0xC2 && b <= 0xDF) {
                        return state(CONT1, length);
                    }
                    if (b == 0xE0) {
                        return state(E0, length);
                    }
                    if (b == 0xED) {
                        return state(ED, length);
                    }
                    if (b >= 0xE1 && b <= 0xEF) {
                        return state(CONT2, length);
                    }
                    if (b == 0xF0) {
                        return state(F0, length);
                    }
                    if (b >= 0xF1 && b <= 0xF3) {
                        return state(CONT3, length);
                    }
                    return b == 0xF4 ? state(F4, length) : -1;
                }
                case ESCAPE -> {
                    if (b == 'u') {
                        return state(HEX, length);
                    }
                    return "\"\\/bfnrt".indexOf(b) >= 0 ? state(TEXT, node.oneMore(length)) : -1;
                }
                case CONT1, CONT2, CONT3 -> {
                    if (b < 0x80 || b > 0xBF) {
                        return -1;
                    }
                    return sub == CONT1 ? state(TEXT, node.oneMore(length)) : state(sub - 1, length);
                }
                case E0 -> {
                    return b >= 0xA0 && b <= 0xBF ? state(CONT1, length) : -1;
                }
                case ED -> {
                    return b >= 0x80 && b <= 0x9F ? state(CONT1, length) : -1;
                }
                case F0 -> {
                    return b >= 0x90 && b <= 0xBF ? state(CONT2, length) : -1;
                }
                case F4 -> {
                    return b >= 0x80 && b <= 0x8F ? state(CONT2, length) : -1;
                }
                default -> { // HEX .. HEX + 3
                    boolean hex = Node.isDigit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
                    if (!hex) {
                        return -1;
                    }
                    return sub == HEX + 3 ? state(TEXT, node.oneMore(length)) : state(sub + 1, length);
                }
            }
        }

        private static int state(int sub, int length) {
            return length << 4 | sub;
        }
    }

    /** Inside a number; {@code sub} says which part (JSON's number grammar, RFC 8259 §6). */
    record Num(Node.NumberNode node, int sub) implements Frame {
        static final int SIGN = 0; // after '-'
        static final int ZERO = 1; // after a leading 0
        static final int INT = 2; // in the integer part
        static final int DOT = 3; // after '.'
        static final int FRACTION = 4;
        static final int E = 5; // after 'e' or 'E'
        static final int EXP_SIGN = 6;
        static final int EXPONENT = 7;

        @Override
        public void step(int b, Stack rest, List<Stack> out) {
            int next = next(b);
            if (next >= 0) {
                out.add(new Stack(new Num(node, next), rest));
            }
        }

        private int next(int b) {
            boolean digit = Node.isDigit(b);
            boolean real = !node.integer;
            return switch (sub) {
                case SIGN -> b == '0' ? ZERO : digit ? INT : -1;
                case ZERO, INT ->
                    digit && sub == INT ? INT : real && b == '.' ? DOT : real && (b == 'e' || b == 'E') ? E : -1;
                case DOT -> digit ? FRACTION : -1;
                case FRACTION -> digit ? FRACTION : b == 'e' || b == 'E' ? E : -1;
                case E -> b == '+' || b == '-' ? EXP_SIGN : digit ? EXPONENT : -1;
                default -> digit ? EXPONENT : -1; // EXP_SIGN, EXPONENT
            };
        }

        @Override
        public boolean canEnd() {
            return sub == ZERO || sub == INT || sub == FRACTION || sub == EXPONENT;
        }
    }

    /**
     * Reading one of a literal node's texts; the candidates are those starting with the {@code pos} bytes read, the
     * first of which is {@code first} (as for {@link Key}).
     */
    record Lit(Node.LiteralNode node, int first, int pos) implements Frame {
        @Override
        public void step(int b, Stack rest, List<Stack> out) {
            advance(node, first, pos, b, rest, out);
        }

        /** Reads {@code b} after {@code pos} bytes matching literal {@code first}; pops when no candidate goes on. */
        static void advance(Node.LiteralNode node, int first, int pos, int b, Stack rest, List<Stack> out) {
            byte[][] lits = node.literals;
            for (int j = first; j < lits.length; j++) {
                if (lits[j].length > pos && lits[j][pos] == (byte) b && samePrefix(lits[j], lits[first], pos)) {
                    Lit next = new Lit(node, j, pos + 1);
                    out.add(next.continues() ? new Stack(next, rest) : rest);
                    return;
                }
            }
        }

        /** Whether some candidate is longer than what was read. */
        private boolean continues() {
            for (int j = first; j < node.literals.length; j++) {
                if (node.literals[j].length > pos && samePrefix(node.literals[j], node.literals[first], pos)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean canEnd() {
            for (int j = first; j < node.literals.length; j++) {
                if (node.literals[j].length == pos && samePrefix(node.literals[j], node.literals[first], pos)) {
                    return true;
                }
            }
            return false;
        }
    }

    static boolean samePrefix(byte[] a, byte[] b, int length) {
        return java.util.Arrays.equals(a, 0, length, b, 0, length);
    }
}
