package io.rasd.engine;

import com.google.gson.Gson;
import io.rasd.model.CausalLm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verify cost curve t(n) of a model on this machine, measured once and kept on disk: measuring takes a few seconds
 * (a warm-up plus interleaved repeats), and it only changes with the model, the device or the machine. The key hashes
 * the model's {@linkplain CausalLm#identity() identity} (directory, config, weight files' size and modification time),
 * the device, the CPU count and architecture.
 *
 * <p>The folder is {@code ~/.cache/rasd/verify-cost}, or {@code -Drasd.cache.dir=DIR}/verify-cost. A cache that
 * cannot be read or written only costs a new measurement.
 */
public final class CostCurveCache {

    private static final Logger LOG = LoggerFactory.getLogger(CostCurveCache.class);
    /** Batch sizes measured: powers of two cover the trees a CPU can afford; interpolation fills the rest. */
    static final int[] SIZES = {1, 2, 4, 8, 16, 32, 64};

    private static final int CONTEXT = 128;
    private static final int REPEATS = 7;
    private static final Map<String, VerifyCostCurve> IN_PROCESS = new ConcurrentHashMap<>();

    private CostCurveCache() {}

    public static Path directory() {
        String custom = System.getProperty("rasd.cache.dir");
        Path base = custom != null ? Path.of(custom) : Path.of(System.getProperty("user.home"), ".cache", "rasd");
        return base.resolve("verify-cost");
    }

    /** The cached curve for this model and machine, measuring (and saving) it on first use. */
    public static VerifyCostCurve loadOrMeasure(CausalLm lm) {
        String key = key(lm);
        return IN_PROCESS.computeIfAbsent(key, k -> {
            Path file = directory().resolve(k + ".json");
            VerifyCostCurve cached = read(file);
            if (cached != null) {
                return cached;
            }
            int context = Math.max(1, Math.min(CONTEXT, lm.contextLimit() - SIZES[SIZES.length - 1]));
            int maxSize = Math.min(SIZES[SIZES.length - 1], lm.contextLimit() - context);
            int count = 0;
            while (count < SIZES.length && SIZES[count] <= maxSize) {
                count++;
            }
            int[] sizes = java.util.Arrays.copyOf(SIZES, Math.max(1, count));
            long t0 = System.nanoTime();
            VerifyCostCurve curve = VerifyCostCurve.measure(lm, context, sizes, REPEATS);
            LOG.info(
                    "measured the verify cost curve of {} in {} s",
                    lm.directory(),
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            write(file, curve);
            return curve;
        });
    }

    private static VerifyCostCurve read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            VerifyCostCurve c = new Gson().fromJson(Files.readString(file), VerifyCostCurve.class);
            if (c == null
                    || c.sizes() == null
                    || c.seconds() == null
                    || c.sizes().length == 0
                    || c.sizes().length != c.seconds().length
                    || c.sizes()[0] != 1) {
                return null;
            }
            for (double s : c.seconds()) {
                if (!(s > 0) || !Double.isFinite(s)) {
                    return null;
                }
            }
            return c;
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring unreadable verify cost cache {}: {}", file, e.toString());
            return null;
        }
    }

    private static void write(Path file, VerifyCostCurve curve) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, new Gson().toJson(curve));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not cache the verify cost curve in {}: {}", file, e.toString());
        }
    }

    static String key(CausalLm lm) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((lm.identity() + "\n" + lm.device() + ":" + lm.contextLimit() + ":"
                            + Runtime.getRuntime().availableProcessors() + ":" + System.getProperty("os.arch"))
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
