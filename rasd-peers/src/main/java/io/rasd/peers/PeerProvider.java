package io.rasd.peers;

import io.rasd.model.Precision;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens a {@link Peer} on a HF checkpoint (and optionally a draft checkpoint for its own speculative decoding).
 * Found through {@link java.util.ServiceLoader}: a peer whose module is not on the classpath (jlama below JDK 21) is
 * simply absent from the report, with the reason {@link #unavailableReason} gives where it is present but cannot run.
 */
public interface PeerProvider {

    /** Short id used in reports and on the command line: {@code llama.cpp}, {@code jlama}. */
    String id();

    /** Why this peer cannot run in this JVM, or empty when it can. */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /** Whether {@link #open} accepts a draft model (speculative decoding inside the peer). */
    boolean supportsDraft();

    /**
     * @param target a HF checkpoint directory (config.json, safetensors, tokenizer.json)
     * @param draft a draft checkpoint sharing the target's tokenizer, or {@code null} for plain decoding
     * @param threads compute threads the peer may use
     * @param work a folder for converted files the peer needs (cached across runs)
     */
    Peer open(Path target, Path draft, int threads, Path work);

    /**
     * Opens the peer for a comparison with rasd holding its models in {@code rasdPrecision}: a peer that can run the
     * weights in a matching half type does (llama.cpp: f16 for rasd's bf16 or f16); others ignore it and say in
     * {@link Peer#dtype()} what they run.
     */
    default Peer open(Path target, Path draft, int threads, Path work, Precision rasdPrecision) {
        return open(target, draft, threads, work);
    }
}
