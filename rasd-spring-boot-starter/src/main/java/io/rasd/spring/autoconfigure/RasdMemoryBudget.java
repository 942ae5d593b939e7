package io.rasd.spring.autoconfigure;

import io.rasd.RasdException;
import io.rasd.model.ModelConfig;
import io.rasd.model.Precision;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * The most memory the engine's models, KV caches and prefix cache can take, from the models' {@code config.json} and
 * the {@code rasd.*} properties, against what this process may use. Checked at start-up before a weight is loaded, so
 * a configuration that would be killed for memory under load (a long context times several concurrent generations
 * on a large model) fails at once with a report instead.
 *
 * <p>Which limit: the KV caches are PyTorch tensors, native memory outside the Java heap. {@code -Xmx} does not bound
 * them and they never show in heap usage; what bounds them is the memory the operating system, or the container's
 * cgroup, lets the process have: {@code OperatingSystemMXBean.getTotalMemorySize()}, which reports the cgroup limit
 * inside a container (JDK 14+). The heap lives in that same memory and may grow to its maximum, so the maximum heap is
 * subtracted, and so are the weights (native too: rasd holds f32 copies) and {@link #NATIVE_RESERVE} for the JVM's own
 * native memory and PyTorch's runtime. Free memory is not used: it moves with the page cache and other processes,
 * and a limit that depends on the moment would make start-up flaky. The prefix cache is the exception: its blocks are
 * heap arrays, so it must fit within the maximum heap, leaving the application its share.
 *
 * @param physicalBytes memory the process may have: physical memory, or the container's limit
 * @param heapMaxBytes the maximum heap ({@code Runtime.maxMemory()})
 * @param weightBytes the target's and the drafter's weights as rasd holds them (4 bytes a parameter, 2 with {@code rasd.dtype} bf16 or f16)
 * @param kvBytesPerGeneration one generation's KV caches at a full context window, target's and drafter's
 * @param contextTokens the target's context window ({@code rasd.max-context} or the model's own)
 * @param generations generations that may run at once ({@code rasd.concurrency.max-concurrent-generations})
 * @param prefixCacheBytes the prefix cache's bound ({@code rasd.prefix-cache.max-size}; 0 when disabled)
 */
public record RasdMemoryBudget(
        long physicalBytes,
        long heapMaxBytes,
        long weightBytes,
        long kvBytesPerGeneration,
        int contextTokens,
        int generations,
        long prefixCacheBytes) {

    /** Native memory left to the JVM itself (threads, metaspace, code cache) and to PyTorch's runtime and libraries. */
    public static final long NATIVE_RESERVE = 512L << 20;

    /** The prefix cache may fill at most half the maximum heap; the other half is the application's. */
    public static final int PREFIX_CACHE_HEAP_PERCENT = 50;

    /** The budget of {@code p}'s models and settings on this machine (or in this container) and this JVM. */
    static RasdMemoryBudget of(RasdProperties p, Path targetDir, Path draftDir) {
        return of(p, targetDir, draftDir, physicalMemory(), Runtime.getRuntime().maxMemory());
    }

    static RasdMemoryBudget of(RasdProperties p, Path targetDir, Path draftDir, long physical, long heapMax) {
        ModelConfig target = ModelConfig.read(targetDir);
        int context = target.contextLimit(p.getMaxContext());
        // auto may keep a half checkpoint in bf16, but only on some CPUs: count f32 unless half is asked for
        Precision held = RasdModelLoader.precision(p.getDtype());
        int perElement = held.isHalf() ? 2 : Float.BYTES;
        long weights = target.parameterCount() * perElement;
        long kv = target.kvBytesPerToken(held) * context;
        ModelConfig draft = draftConfig(draftDir);
        if (draft != null) {
            weights += draft.parameterCount() * perElement;
            // the drafter's cache follows the target's context
            kv += draft.kvBytesPerToken(held) * Math.min(context, draft.contextLimit(p.getMaxContext()));
        }
        long prefix =
                p.getPrefixCache().isEnabled() ? p.getPrefixCache().getMaxSize().toBytes() : 0;
        return new RasdMemoryBudget(
                physical, heapMax, weights, kv, context, p.getConcurrency().getMaxConcurrentGenerations(), prefix);
    }

    /** The drafter's config, or null: none configured, or one the loader will refuse with its own message. */
    private static ModelConfig draftConfig(Path draftDir) {
        if (draftDir == null) {
            return null;
        }
        try {
            return ModelConfig.read(draftDir); // an EAGLE head's is a one-layer config: its cache has one layer
        } catch (RasdException e) {
            return null;
        }
    }

    /** Physical memory, or the container's memory limit when the JVM runs in one. */
    static long physicalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** Every generation's KV caches at a full context window (saturating: a huge setting must not wrap around). */
    public long kvBytes() {
        return saturatingMultiply(kvBytesPerGeneration, generations);
    }

    /** Native memory the engine can need: weights plus every generation's KV caches. */
    public long nativeBytesNeeded() {
        long kv = kvBytes();
        return kv > Long.MAX_VALUE - weightBytes ? Long.MAX_VALUE : weightBytes + kv;
    }

    /** Native memory the process has for them: physical (or container) memory less the maximum heap and the reserve. */
    public long nativeBytesAvailable() {
        return physicalBytes - heapMaxBytes - NATIVE_RESERVE;
    }

    public boolean nativeFits() {
        return nativeBytesNeeded() <= nativeBytesAvailable();
    }

    /** The most heap the prefix cache may fill. */
    public long prefixCacheLimit() {
        return heapMaxBytes / 100 * PREFIX_CACHE_HEAP_PERCENT;
    }

    public boolean prefixCacheFits() {
        return prefixCacheBytes <= prefixCacheLimit();
    }

    public boolean fits() {
        return nativeFits() && prefixCacheFits();
    }

    /** Throws {@link RasdMemoryBudgetException} when the budget does not fit. */
    void check() {
        if (!fits()) {
            throw new RasdMemoryBudgetException(this);
        }
    }

    private static long saturatingMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }

    /** {@code bytes} for people: 1.5 GiB, 12.0 KiB, 300 B. */
    static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "more than 8 EiB";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
