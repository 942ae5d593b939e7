package io.rasd.peers;

/**
 * Another inference engine holding one loaded model (or a target and its draft), driven with token ids so that every
 * engine sees exactly the same prompt whatever its tokenizer does. Greedy only: the comparison is of speed on
 * identical work, and greedy outputs can be checked token for token against rasd's.
 */
public interface Peer extends AutoCloseable {

    /** What the report calls this engine and configuration, e.g. {@code "jlama 0.8.4"}. */
    String name();

    /** Greedy decoding of {@code maxNewTokens} tokens after {@code prompt} (no early stop at end-of-sequence). */
    PeerGeneration greedy(int[] prompt, int maxNewTokens);

    @Override
    void close();
}
