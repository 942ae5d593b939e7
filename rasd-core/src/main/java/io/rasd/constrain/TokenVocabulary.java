package io.rasd.constrain;

import java.util.Arrays;

/**
 * A tokenizer's vocabulary as byte strings, in a trie: the allowed tokens of a grammar state are found by walking the
 * trie with the automaton, so a shared prefix of many tokens is matched once and a byte the grammar refuses cuts off
 * every token below it. Built once per tokenizer; immutable.
 */
public final class TokenVocabulary {

    /** The bytes of each id; null for ids constrained output never writes (special tokens, padding ids). */
    private final byte[][] bytes;

    private final int[] eos;
    private final int size;

    // the trie: node 0 is the empty prefix; children as first-child / next-sibling lists
    private int[] firstChild;
    private int[] nextSibling;
    private byte[] label;
    /** The first token whose bytes end at a node (-1: none); more in {@link #nextToken}. */
    private int[] firstToken;

    private final int[] nextToken;
    private int nodes;
    /** The longest token in bytes. */
    private int longest;

    /**
     * @param bytes per token id, the bytes it decodes to; null for ids never to be written (special tokens). Empty
     *     byte strings are treated as null (they would let the model stall without progress)
     * @param eos end-of-sequence ids, allowed where the output is a complete document
     */
    public TokenVocabulary(byte[][] bytes, int[] eos) {
        this.bytes = new byte[bytes.length][];
        this.eos = eos.clone();
        this.size = bytes.length;
        this.nextToken = new int[bytes.length];
        Arrays.fill(nextToken, -1);
        int capacity = 1024;
        firstChild = new int[capacity];
        nextSibling = new int[capacity];
        label = new byte[capacity];
        firstToken = new int[capacity];
        nodes = 0;
        newNode((byte) 0);
        for (int id = 0; id < bytes.length; id++) {
            byte[] b = bytes[id];
            if (b == null || b.length == 0 || isEos(id)) {
                continue;
            }
            this.bytes[id] = b.clone();
            longest = Math.max(longest, b.length);
            int node = 0;
            for (byte x : b) {
                node = child(node, x);
            }
            nextToken[id] = firstToken[node];
            firstToken[node] = id;
        }
    }

    private boolean isEos(int id) {
        for (int e : eos) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }

    private int newNode(byte b) {
        if (nodes == firstChild.length) {
            int cap = nodes * 2;
            firstChild = Arrays.copyOf(firstChild, cap);
            nextSibling = Arrays.copyOf(nextSibling, cap);
            label = Arrays.copyOf(label, cap);
            firstToken = Arrays.copyOf(firstToken, cap);
        }
        firstChild[nodes] = -1;
        nextSibling[nodes] = -1;
        firstToken[nodes] = -1;
        label[nodes] = b;
        return nodes++;
    }

    private int child(int node, byte b) {
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            if (label[c] == b) {
                return c;
            }
        }
        int c = newNode(b);
        nextSibling[c] = firstChild[node];
        firstChild[node] = c;
        return c;
    }

    /** Ids covered: the tokenizer's vocabulary size. */
    public int size() {
        return size;
    }

    /** The bytes of {@code id}, or null when constrained output never writes it. */
    public byte[] bytes(int id) {
        return id >= 0 && id < size && bytes[id] != null ? bytes[id].clone() : null;
    }

    byte[] bytesUnsafe(int id) {
        return id >= 0 && id < size ? bytes[id] : null;
    }

    public int[] eosIds() {
        return eos.clone();
    }

    boolean eos(int id) {
        return isEos(id);
    }

    /** The longest token's length in bytes: no token writes more characters. */
    public int longestToken() {
        return longest;
    }

    /** Trie nodes (distinct non-empty prefixes + 1): the most automaton steps one mask can cost. */
    public int trieNodes() {
        return nodes;
    }

    /**
     * The allowed tokens after {@code state}: a depth-first walk of the trie, advancing the automaton one byte per
     * trie edge and dropping a subtree at the first byte it refuses.
     */
    AllowedTokens allowed(MatchState state) {
        java.util.BitSet ids = new java.util.BitSet(size);
        int[] stackNodes = new int[64];
        MatchState[] stackStates = new MatchState[64];
        int top = 0;
        stackNodes[top] = 0;
        stackStates[top++] = state;
        boolean any = false;
        while (top > 0) {
            int node = stackNodes[--top];
            MatchState s = stackStates[top];
            stackStates[top] = null;
            for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
                MatchState next = s.advance(label[c] & 0xFF);
                if (next == null) {
                    continue;
                }
                for (int t = firstToken[c]; t >= 0; t = nextToken[t]) {
                    ids.set(t);
                    any = true;
                }
                if (firstChild[c] >= 0) {
                    if (top == stackNodes.length) {
                        stackNodes = Arrays.copyOf(stackNodes, top * 2);
                        stackStates = Arrays.copyOf(stackStates, top * 2);
                    }
                    stackNodes[top] = c;
                    stackStates[top++] = next;
                }
            }
        }
        boolean accepting = state.accepting();
        if (accepting) {
            for (int e : eos) {
                if (e >= 0) {
                    ids.set(e);
                }
            }
        }
        return new AllowedTokens(ids, accepting, accepting && !any);
    }
}
