package io.rasd.constrain;

import java.util.List;

/**
 * One path of the matcher: the frame being matched on top of the frames its value is nested in, down to
 * {@link Frame.End}. Immutable and shared between states (a step pushes or pops a frame, the rest is reused); equal
 * stacks accept the same byte strings, and the hash is kept since states are cache keys.
 */
final class Stack {

    final Frame top;
    /** What follows the top frame's value; null only under {@link Frame.End}. */
    final Stack rest;

    private final int hash;

    Stack(Frame top, Stack rest) {
        this.top = top;
        this.rest = rest;
        this.hash = 31 * top.hashCode() + (rest == null ? 0 : rest.hash);
    }

    /** Adds to {@code out} the stacks after reading {@code b}; a value that may end here hands {@code b} on. */
    void advance(int b, List<Stack> out) {
        top.step(b, rest, out);
        if (top.canEnd() && rest != null) {
            rest.advance(b, out);
        }
    }

    /** Whether the bytes read so far are a complete document: every frame down to the bottom may end. */
    boolean accepting() {
        for (Stack s = this; s != null; s = s.rest) {
            if (!s.top.canEnd()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Stack s) || s.hash != hash) {
            return false;
        }
        Stack a = this;
        Stack b = s;
        while (a != null && b != null) {
            if (a == b) {
                return true;
            }
            if (!a.top.equals(b.top)) {
                return false;
            }
            a = a.rest;
            b = b.rest;
        }
        return a == b;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Stack s = this; s != null; s = s.rest) {
            sb.append(sb.isEmpty() ? "" : " / ").append(s.top);
        }
        return sb.toString();
    }
}
