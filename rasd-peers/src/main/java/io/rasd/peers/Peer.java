package io.rasd.peers;

/**
 * Another inference engine holding one loaded model (or a target and its draft), driven with token ids so that every
 * engine sees exactly the same prompt whatever its tokenizer does. Greedy only: the comparison is of speed on
 * identical work, and greedy outputs can be checked token for token against rasd's.
 */
public interface Peer extends AutoCloseable {

    /** What the report calls this engine and configuration, e.g. {@code "jlama 0.8.4"}. */
    String name();

    /** The precision the engine runs the weights in, for the results' {@code dtype} column. */
    default String dtype() {
        return "f32";
    }

    /** Greedy decoding of {@code maxNewTokens} tokens after {@code prompt} (no early stop at end-of-sequence), timed to the first token and to the last. */
    PeerGeneration greedy(int[] prompt, int maxNewTokens);

    @Override
    void close();
}
