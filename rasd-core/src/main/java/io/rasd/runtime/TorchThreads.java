package io.rasd.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's thread counts, chosen by the library where the user has not chosen them. DJL's PyTorch engine reads
 * {@code ai.djl.pytorch.num_threads} and {@code ai.djl.pytorch.num_interop_threads} once, when it starts; without them
 * PyTorch runs one OpenMP thread per physical core of the whole machine (cgroup CPU quotas not counted). Its OpenMP
 * workers spin at every parallel region, so with one core busy elsewhere (another process, rasd's retrieval thread,
 * GC) a forward on a 2-core machine took 2x to 100x longer with 2 threads than with 1 (1 to 5 tokens/s instead of
 * hundreds on the demo model), while on idle cores 2 threads saved nothing for one token and 15-30% for 8 to 32.
 *
 * <p>So where neither property nor {@code OMP_NUM_THREADS} is set, rasd asks for one intra-op thread per core it may
 * use ({@link Runtime#availableProcessors()}, which honours CPU quotas, at most the physical cores), less one left to
 * the JVM and the rest of the machine, and one inter-op thread (rasd runs no inter-op parallel work). It sets the
 * properties before the engine starts: {@link ThreadDefaultsProvider}, which DJL instantiates with the other engine
 * providers before it creates any engine, calls {@link #applyDefaults()}; so does the CLI's {@code Main}. A value the
 * user set ({@code -Dai.djl.pytorch.num_threads=N}, or {@code OMP_NUM_THREADS}) is kept.
 */
public final class TorchThreads {

    /** DJL's system property for PyTorch's intra-op threads. */
    public static final String INTRA_OP = "ai.djl.pytorch.num_threads";

    /** DJL's system property for PyTorch's inter-op threads. */
    public static final String INTER_OP = "ai.djl.pytorch.num_interop_threads";

    private static final Logger LOG = LoggerFactory.getLogger(TorchThreads.class);
    private static volatile boolean applied;

    private TorchThreads() {}

    /**
     * Sets {@link #INTRA_OP} and {@link #INTER_OP} where unset (and {@code OMP_NUM_THREADS} is unset) and logs what was
     * chosen. Idempotent; only takes effect before DJL's PyTorch engine starts.
     */
    public static synchronized void applyDefaults() {
        if (applied) {
            return;
        }
        applied = true;
        Choice c = choose(
                System.getProperty(INTRA_OP),
                System.getProperty(INTER_OP),
                System.getenv("OMP_NUM_THREADS"),
                Runtime.getRuntime().availableProcessors(),
                physicalCores(cpuinfo()));
        if (c.intraOp() != null) {
            System.setProperty(INTRA_OP, c.intraOp());
        }
        if (c.interOp() != null) {
            System.setProperty(INTER_OP, c.interOp());
        }
        LOG.info(c.why());
    }

    /**
     * What to set: the intra-op and inter-op values (null: leave as is) and why.
     *
     * @param intraOp the user's {@link #INTRA_OP}, or null
     * @param interOp the user's {@link #INTER_OP}, or null
     * @param ompNumThreads the environment's {@code OMP_NUM_THREADS}, or null
     * @param available the processors the JVM may use
     * @param physical physical cores found in /proc/cpuinfo, 0 where unknown
     */
    static Choice choose(String intraOp, String interOp, String ompNumThreads, int available, int physical) {
        String intra = null;
        String why;
        if (intraOp != null) {
            why = "PyTorch intra-op threads: " + intraOp + " (" + INTRA_OP + ", set by the user)";
        } else if (ompNumThreads != null && !ompNumThreads.isBlank()) {
            why = "PyTorch intra-op threads: PyTorch's choice under OMP_NUM_THREADS=" + ompNumThreads;
        } else {
            int cores = usableCores(available, physical);
            intra = String.valueOf(defaultThreads(cores));
            why = "PyTorch intra-op threads: " + intra + " (" + cores + " cores, one left to the JVM and other work;"
                    + " -D" + INTRA_OP + "=N chooses)";
        }
        String inter = interOp == null ? "1" : null;
        why += ", inter-op threads: " + (interOp == null ? "1" : interOp + " (set by the user)");
        return new Choice(intra, inter, why);
    }

    /**
     * Whether a core is left over by PyTorch's intra-op threads, so that a second forward (a draft model reading the
     * prompt beside the target's prefill) runs in parallel instead of fighting for cores (OpenMP threads that lose
     * their core stall every op at a barrier).
     */
    public static boolean spareCore() {
        return ai.djl.pytorch.jni.JniUtils.getNumThreads() < UsableCores.COUNT;
    }

    /** {@link #usableCores()} read once: the engine asks at every generation, and /proc/cpuinfo does not change. */
    private static final class UsableCores {
        static final int COUNT = usableCores();
    }

    /** The cores PyTorch may use here: the JVM's processors, at most the physical cores. */
    static int usableCores() {
        return usableCores(Runtime.getRuntime().availableProcessors(), physicalCores(cpuinfo()));
    }

    private static int usableCores(int available, int physical) {
        return physical > 0 ? Math.min(available, physical) : available;
    }

    /** All cores but one, at least one. */
    static int defaultThreads(int cores) {
        return Math.max(1, cores - 1);
    }

    /** Distinct (physical id, core id) pairs in /proc/cpuinfo's lines; 0 where there are none. */
    static int physicalCores(List<String> cpuinfo) {
        Set<String> cores = new HashSet<>();
        String socket = "0";
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (key.equals("physical id")) {
                socket = value;
            } else if (key.equals("core id")) {
                cores.add(socket + "/" + value);
            }
        }
        return cores.size();
    }

    private static List<String> cpuinfo() {
        try {
            Path info = Path.of("/proc/cpuinfo");
            return Files.isReadable(info) ? Files.readAllLines(info) : List.of();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The values to set (null: leave as is) and a line saying what PyTorch will run with. */
    record Choice(String intraOp, String interOp, String why) {}
}
