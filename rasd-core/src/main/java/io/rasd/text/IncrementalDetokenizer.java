package io.rasd.text;

import java.util.Arrays;

/**
 * Turns a stream of token ids into text deltas that never end in half a character. Byte-level BPE splits an emoji
 * or a CJK character over several tokens; decoding them one at a time shows U+FFFD. As vLLM does, we decode a short
 * window twice (up to the last emitted token, and up to the newest) and emit the difference only once it no longer
 * ends in U+FFFD. The window restarts at every emission, so the cost per token does not grow with the output.
 */
public final class IncrementalDetokenizer {

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[64];
    private int size;
    private int prefixOffset;
    private int readOffset;

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
        return "";
    }

    /** Whatever is still held back (an incomplete character at the very end decodes as U+FFFD, as HF does). */
    public String flush() {
        String prefix = decode(prefixOffset, readOffset);
        String full = decode(prefixOffset, size);
        prefixOffset = readOffset = size;
        return full.length() > prefix.length() ? full.substring(prefix.length()) : "";
    }

    private String decode(int from, int to) {
        return from >= to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
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
