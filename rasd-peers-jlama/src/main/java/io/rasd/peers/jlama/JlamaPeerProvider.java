package io.rasd.peers.jlama;

import io.rasd.RasdException;
import io.rasd.peers.Peer;
import io.rasd.peers.PeerProvider;
import java.nio.file.Path;
import java.util.Optional;

/**
 * jlama (com.github.tjake:jlama-core) as a peer: plain greedy decoding only, since jlama has no draft-model
 * speculation. This class touches no jlama class, so {@link java.util.ServiceLoader} can list it and ask
 * {@link #unavailableReason} in any JVM; jlama's classes load only in {@link #open}.
 */
public final class JlamaPeerProvider implements PeerProvider {

    /** jlama's Panama kernels are written against this incubator module; without it its classes fail to link. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    @Override
    public String id() {
        return "jlama";
    }

    @Override
    public Optional<String> unavailableReason() {
        int feature = Runtime.version().feature();
        if (feature < 21) {
            return Optional.of(
                    "jlama " + JlamaPeer.JLAMA_VERSION + " needs JDK 21 or later; this JVM is JDK " + feature);
        }
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return Optional.of("jlama needs the Vector API: start the JVM with --add-modules " + VECTOR_MODULE
                    + " (and -Djlama.force_panama_tensor_operations=true)");
        }
        return Optional.empty();
    }

    @Override
    public boolean supportsDraft() {
        return false;
    }

    @Override
    public Peer open(Path target, Path draft, int threads, Path work) {
        if (draft != null) {
            throw new RasdException(
                    "jlama has no draft-model speculation: open it without a draft (got " + draft + ")");
        }
        unavailableReason().ifPresent(reason -> {
            throw new RasdException(reason);
        });
        return JlamaPeer.open(target, threads);
    }
}
