package io.rasd.peers;

/**
 * One greedy generation by a peer.
 *
 * @param tokenCount how many tokens were generated
 * @param tokens the generated token ids, or {@code null} where the engine's API returns only text (llama.cpp's)
 * @param text the generated text, or {@code null} where the engine returns only ids
 * @param seconds wall time of the whole request as the caller saw it, prefill included (how rasd's tokens/s is
 *     measured too)
 * @param firstTokenSeconds wall time from the call until the first generated token reached the caller (the prefill
 *     and the first token's choice), part of {@code seconds}
 */
public record PeerGeneration(int tokenCount, int[] tokens, String text, double seconds, double firstTokenSeconds) {

    /** A generation known by its token ids. */
    public PeerGeneration(int[] tokens, double seconds, double firstTokenSeconds) {
        this(tokens.length, tokens, null, seconds, firstTokenSeconds);
    }

    public double tokensPerSecond() {
        return seconds > 0 ? tokenCount / seconds : 0;
    }
}
