package io.rasd.constrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Where a grammar's matcher stands after some bytes: the set of stacks still alive (more than one only where anyOf
 * alternatives still agree on the bytes read). Immutable; equal states accept the same continuations, so a state is
 * the key of the allowed-token cache ({@link TokenConstraint}). Advancing never throws: a byte the grammar does not
 * allow gives {@code null}.
 */
public final class MatchState {

    private final Stack[] stacks;
    private final int hash;

    MatchState(Stack[] stacks) {
        this.stacks = stacks;
        this.hash = Arrays.hashCode(stacks);
    }

    /** The state after byte {@code b} (0-255), or null when the grammar does not allow it here. */
    public MatchState advance(int b) {
        List<Stack> out = new ArrayList<>(2);
        for (Stack s : stacks) {
            s.advance(b, out);
        }
        if (out.isEmpty()) {
            return null;
        }
        if (out.size() == 1) {
            return new MatchState(new Stack[] {out.get(0)});
        }
        // one path per distinct stack, in a canonical order, so that equal sets are equal states
        Stack[] distinct = new LinkedHashSet<>(out).toArray(new Stack[0]);
        Arrays.sort(distinct, (x, y) -> Integer.compare(x.hashCode(), y.hashCode()));
        return new MatchState(distinct);
    }

    /** The state after all of {@code bytes}, or null when the grammar leaves them at some byte. */
    public MatchState advance(byte[] bytes) {
        MatchState s = this;
        for (int i = 0; i < bytes.length && s != null; i++) {
            s = s.advance(bytes[i] & 0xFF);
        }
        return s;
    }

    /** The state after {@code text} in UTF-8, or null. */
    public MatchState advance(String text) {
        return advance(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A state with the same allowed tokens, for the mask cache: a string with room for more than {@code horizon}
     * (the longest token's bytes) characters allows the same tokens whatever its length, so such lengths share one
     * key (otherwise a string with a maxLength is a new mask per character).
     */
    MatchState maskKey(int horizon) {
        Stack[] keyed = null;
        for (int i = 0; i < stacks.length; i++) {
            if (stacks[i].top instanceof Frame.Str str) {
                Node.StringNode n = str.node();
                int canonical = Math.max(n.min, n.max - horizon - 1);
                if (n.max >= 0
                        && str.length() >= n.min
                        && n.max - canonical > horizon
                        && canonical != str.length()
                        && n.max - str.length() > horizon) {
                    keyed = keyed == null ? stacks.clone() : keyed;
                    keyed[i] = new Stack(new Frame.Str(n, str.sub(), canonical), stacks[i].rest);
                }
            }
        }
        return keyed == null ? this : new MatchState(keyed);
    }

    /** Whether the bytes read so far form a complete value of the grammar (the generation may end here). */
    public boolean accepting() {
        for (Stack s : stacks) {
            if (s.accepting()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof MatchState m && m.hash == hash && Arrays.equals(m.stacks, stacks));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return Arrays.toString(stacks);
    }
}
