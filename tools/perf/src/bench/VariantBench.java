package bench;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * A/B timing of rasd-core versions in one JVM: each snapshot of rasd-core's classes gets its own class loader (child
 * first for {@code io.rasd.*}, DJL shared), loads the model, and all variants are timed round-robin, so machine noise
 * (other processes on the same cores) hits them alike. Separate processes measured minutes apart differed by 2x here.
 *
 * <p>Arguments: model dir, sizes (tokens per forward, e.g. 1,8,32), repeats, context length, variants (see ab.sh).
 */
public final class VariantBench {

    private static int threads = -1;

    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.rasd.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    public static void main(String[] a) throws Exception {
        String model = a[0];
        int[] sizes = Arrays.stream(a[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int repeats = Integer.parseInt(a[2]);
        int context = Integer.parseInt(a[3]);
        String[] variants = a[4].split(",");
        Path dir = Path.of(System.getProperty("bench.dir"));
        List<IntToDoubleFunction> runners = new ArrayList<>();
        int[] threadsOf = new int[variants.length];
        for (int v = 0; v < variants.length; v++) {
            String spec = variants[v];
            String props = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : "";
            String name = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
            if (name.contains("@")) {
                threadsOf[v] = Integer.parseInt(name.substring(name.indexOf('@') + 1));
                name = name.substring(0, name.indexOf('@'));
            }
            for (String kv : props.isEmpty() ? new String[0] : props.split(";")) {
                System.setProperty(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            ClassLoader loader = new ChildFirst(new URL[] {dir.resolve("snap").resolve(name).toUri().toURL(),
                    dir.resolve("bench").toUri().toURL()}, VariantBench.class.getClassLoader());
            Object runner = loader.loadClass("io.rasd.model.VariantRunner").getConstructor(String.class, Integer.class)
                    .newInstance(model, context);
            runners.add((IntToDoubleFunction) runner);
            if (Boolean.getBoolean("bench.greedy")) {
                System.out.println(spec + " greedy: " + runner);
            }
        }
        double[][][] t = new double[variants.length][sizes.length][repeats];
        long warmUntil = System.nanoTime() + 3_000_000_000L;   // the first forwards of a fresh engine are slow
        while (System.nanoTime() < warmUntil) {
            for (int v = 0; v < variants.length; v++) {
                threads(threadsOf[v]);
                for (int n : sizes) {
                    runners.get(v).applyAsDouble(n);
                }
            }
        }
        for (int r = 0; r < repeats; r++) {
            for (int v = 0; v < variants.length; v++) {
                threads(threadsOf[v]);
                for (int s = 0; s < sizes.length; s++) {
                    t[v][s][r] = runners.get(v).applyAsDouble(sizes[s]);
                }
            }
        }
        for (int v = 0; v < variants.length; v++) {
            StringBuilder sb = new StringBuilder(String.format("%-30s", variants[v]));
            for (int s = 0; s < sizes.length; s++) {
                double[] x = t[v][s].clone();
                Arrays.sort(x);
                sb.append(String.format("  n=%d %.3f ms (p25 %.3f)", sizes[s], x[repeats / 2] * 1e3,
                        x[repeats / 4] * 1e3));
            }
            System.out.println(sb);
        }
        System.exit(0);
    }

    /** PyTorch's intra-op threads are global: set them before each variant's turn. */
    private static void threads(int n) {
        if (n > 0 && n != threads) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
            threads = n;
        }
    }
}
