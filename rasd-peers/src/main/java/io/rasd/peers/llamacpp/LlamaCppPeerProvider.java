package io.rasd.peers.llamacpp;

import io.rasd.RasdException;
import io.rasd.model.ModelConfig;
import io.rasd.model.Precision;
import io.rasd.peers.Peer;
import io.rasd.peers.PeerProvider;
import io.rasd.peers.gguf.GgufExporter;
import io.rasd.peers.gguf.GgufPrecision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * llama.cpp through de.kherud:llama (its jar carries the CPU natives); checkpoints are exported to GGUF first: f32, or
 * f16 where rasd runs in a half type ({@link GgufPrecision#forRasd}).
 */
public final class LlamaCppPeerProvider implements PeerProvider {

    /** Most positions a llama.cpp peer's context holds. */
    static final int MAX_CONTEXT = 8192;

    @Override
    public String id() {
        return "llama.cpp";
    }

    @Override
    public boolean supportsDraft() {
        return true;
    }

    @Override
    public Peer open(Path target, Path draft, int threads, Path work) {
        return open(target, draft, threads, work, GgufPrecision.F32);
    }

    @Override
    public Peer open(Path target, Path draft, int threads, Path work, Precision rasdPrecision) {
        return open(target, draft, threads, work, GgufPrecision.forRasd(rasdPrecision));
    }

    /** llama.cpp on {@code precision} GGUFs of {@code target} (and {@code draft}). */
    public Peer open(Path target, Path draft, int threads, Path work, GgufPrecision precision) {
        Path targetGguf = gguf(target, work, precision);
        Path draftGguf = draft == null ? null : gguf(draft, work, precision);
        // the context every prompt of the suites fits in: the target's own window, at most 8,192 (the KV cells
        // llama.cpp allocates up front)
        int ctx = Math.min(ModelConfig.read(target).maxPositions(), MAX_CONTEXT);
        return new LlamaCppPeer(targetGguf, draftGguf, threads, precision, ctx);
    }

    /** The checkpoint's f32 GGUF in {@code work}: {@link #gguf(Path, Path, GgufPrecision)}. */
    public static Path gguf(Path dir, Path work) {
        return gguf(dir, work, GgufPrecision.F32);
    }

    /**
     * The checkpoint's GGUF in {@code precision} in {@code work}, exported unless a file for this very checkpoint and
     * precision is there already: the name hashes the directory, its config and the size and time of every file in
     * it, and ends in {@code .f32.gguf} or {@code .f16.gguf}.
     */
    public static Path gguf(Path dir, Path work, GgufPrecision precision) {
        Path out = work.resolve(dir.toAbsolutePath().normalize().getFileName() + "-" + fingerprint(dir) + "."
                + precision.label() + ".gguf");
        if (!Files.isRegularFile(out)) {
            System.err.println("peers: exporting " + dir + " to " + out);
            GgufExporter.export(dir, out, precision);
        }
        return out;
    }

    private static String fingerprint(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("gguf-export-v1\n" + dir.toAbsolutePath().normalize()).getBytes(StandardCharsets.UTF_8));
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                md.update(("\n" + f.getFileName() + " " + Files.size(f) + " "
                                + Files.getLastModifiedTime(f).toMillis())
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (IOException e) {
            throw new RasdException("Cannot list " + dir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
