package io.rasd.peers;

/**
 * One greedy generation by a peer.
 *
 * @param tokens the generated token ids (the prompt excluded)
 * @param seconds wall time of the whole request as the caller saw it, prefill included (how rasd's tokens/s is
 *     measured too)
 * @param draftProposed draft tokens the engine proposed (speculative peers; 0 otherwise)
 * @param draftAccepted of those, how many the target accepted
 */
public record PeerGeneration(int[] tokens, double seconds, long draftProposed, long draftAccepted) {

    public double tokensPerSecond() {
        return seconds > 0 ? tokens.length / seconds : 0;
    }
}
