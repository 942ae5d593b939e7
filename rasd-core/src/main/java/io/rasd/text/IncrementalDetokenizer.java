package io.rasd.text;

import java.util.Arrays;

/**
 * Turns a stream of token ids into text deltas that never end in half a character. Byte-level BPE splits an emoji
 * or a CJK character over several tokens; decoding them one at a time shows U+FFFD. As vLLM does, we decode a short
 * window twice (up to the last emitted token, and up to the newest) and emit the difference only once it no longer
 * ends in U+FFFD. The window restarts at every emission, so the cost per token does not grow with the output.
 *
 * <p>Bytes that are not UTF-8 would keep the window ending in U+FFFD for as long as they come, and re-decoding a
 * window that grows with every token costs time quadratic in the run. So once more than {@value #MAX_HELD} tokens
 * are held back, the text up to a token boundary at least {@value #TAIL} tokens before the newest is settled and
 * emitted: no character of UTF-8 is longer than 4 bytes, so bytes that far back can no longer be completed by later
 * ones. The boundary is accepted only where the longer decode still starts with the shorter one (a character ending
 * in the tail must not be cut). The window then stays bounded and the work per token is constant; the text is the
 * same, only the U+FFFD of such a run arrive as it goes rather than all at the end.
 */
public final class IncrementalDetokenizer {

    /** Tokens held back before a run of U+FFFD is emitted up to {@link #TAIL} tokens before the newest. */
    static final int MAX_HELD = 8;

    /** Tokens kept back when a held-back run is cut: more than the 3 bytes a cut-off UTF-8 character can have. */
    static final int TAIL = 4;

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[64];
    private int size;
    private int prefixOffset;
    private int readOffset;
    /** Token ids passed to the tokenizer's decode so far: the work done, for tests. */
    private long decodedIds;

    public IncrementalDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one token; returns the text it completed (possibly empty). */
    public String push(int tokenId) {
        if (size == ids.length) {
            compact();
        }
        ids[size++] = tokenId;
        String prefix = decode(prefixOffset, readOffset);
        String full = decode(prefixOffset, size);
        if (full.length() > prefix.length() && !full.endsWith("\uFFFD")) {
            String delta = full.substring(prefix.length());
            prefixOffset = readOffset;
            readOffset = size;
            return delta;
        }
        if (size - readOffset > MAX_HELD) {
            return emitSettled(prefix, full);
        }
        return "";
    }

    /**
     * A long held-back run: emits the text up to the latest boundary at least {@link #TAIL} non-special tokens before
     * the newest where the full decode still starts with the decode up to the boundary; "" if there is none.
     */
    private String emitSettled(String prefix, String full) {
        int boundary = size;
        for (int kept = 0; boundary > readOffset && kept < TAIL; ) {
            if (!tokenizer.isSpecial(ids[--boundary])) {
                kept++; // a special token adds no bytes that could complete a character
            }
        }
        for (int tries = 0; boundary > readOffset && tries < TAIL; boundary--, tries++) {
            String head = decode(prefixOffset, boundary);
            if (head.length() > prefix.length() && head.startsWith(prefix) && full.startsWith(head)) {
                prefixOffset = readOffset;
                readOffset = boundary;
                return head.substring(prefix.length());
            }
        }
        return "";
    }

    /** Whatever is still held back (an incomplete character at the very end decodes as U+FFFD, as HF does). */
    public String flush() {
        String prefix = decode(prefixOffset, readOffset);
        String full = decode(prefixOffset, size);
        prefixOffset = readOffset = size;
        return full.length() > prefix.length() ? full.substring(prefix.length()) : "";
    }

    /** Token ids passed to the tokenizer's decode so far (each call counts its whole window). */
    long decodedIds() {
        return decodedIds;
    }

    private String decode(int from, int to) {
        if (from >= to) {
            return "";
        }
        decodedIds += to - from;
        return tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
    }

    /** Drops ids before the window; grows only if the window itself fills the buffer. */
    private void compact() {
        if (prefixOffset > 0) {
            System.arraycopy(ids, prefixOffset, ids, 0, size - prefixOffset);
            size -= prefixOffset;
            readOffset -= prefixOffset;
            prefixOffset = 0;
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
    }
}
