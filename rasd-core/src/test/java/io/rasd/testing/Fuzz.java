package io.rasd.testing;

import io.rasd.RasdException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * The contract shared by the fuzz tests of rasd's parsers of untrusted input: for any input a parser either succeeds
 * or throws a {@link RasdException} with a message; any other exception or error, and any call that does not return
 * in time, is a bug. One {@code Fuzz} per target counts what it tried and prints a one-line summary.
 *
 * <p>A property is a plain JUnit test that calls {@link #forAll}: it generates each try's input from its own seeded
 * {@link SplittableRandom} and checks it, in order, stopping at the first failure. The failure names the seed and the
 * try, and {@code -Drasd.fuzz.seed=S -Drasd.fuzz.try=N} reruns exactly that input (nothing is shrunk: inputs are
 * small, and their description says how each was made).
 *
 * <p>Budget: the {@code tries} each property passes to {@link #forAll} is its CI default (all fuzz classes together
 * stay within about a minute and a half on a 2-core machine); {@code -Drasd.fuzz.tries=N} sets every property's tries
 * for a longer run, e.g. {@code ./mvnw -pl rasd-core test -Dtest='*FuzzTest' -Drasd.fuzz.tries=100000}. The seed is
 * fixed ({@value #DEFAULT_SEED}) so CI runs are reproducible; {@code -Drasd.fuzz.seed=random} picks one (and prints
 * it), and {@code -Drasd.fuzz.seed=N} replays one. Each property prints its tries and seed.
 */
public final class Fuzz {

    public static final String TRIES_PROPERTY = "rasd.fuzz.tries";
    public static final String SEED_PROPERTY = "rasd.fuzz.seed";
    /** Runs only this try (0-based) of each property: with the seed a failure names, it replays that input. */
    public static final String TRY_PROPERTY = "rasd.fuzz.try";

    public static final String DEFAULT_SEED = "4242";
    /** How much of a failing input's description goes into the failure message. */
    private static final int MAX_DESCRIPTION = 4_000;
    /** The seed this JVM's properties use; for {@code random}, picked once and printed. */
    private static final long SEED = seed();

    private static final ExecutorService CALLER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rasd-fuzz-call");
        t.setDaemon(true);
        return t;
    });

    private final String target;
    private final AtomicLong inputs = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong maxNanos = new AtomicLong();
    private Path directory;

    public Fuzz(String target) {
        this.target = target;
    }

    /** What a parser did with one input: its result, or the RasdException it rejected the input with. */
    public record Outcome<T>(T value, RasdException rejection) {
        public boolean accepted() {
            return rejection == null;
        }
    }

    /**
     * Runs {@code parse} on another thread and holds it to the contract: a result, or a RasdException with a message,
     * within {@code limit}. Anything else fails the property (a hang is reported, its thread left to the pool).
     */
    public static <T> Outcome<T> call(Duration limit, Callable<T> parse) {
        Future<T> f = CALLER.submit(parse);
        try {
            return new Outcome<>(f.get(limit.toMillis(), TimeUnit.MILLISECONDS), null);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("no answer within " + limit.toMillis() + " ms (a hang)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            return new Outcome<>(null, asRejection(e.getCause()));
        }
    }

    /** {@link #call} for one whole input of this target, counted in the summary. */
    public <T> Outcome<T> input(Duration limit, Callable<T> parse) {
        long t0 = System.nanoTime();
        Outcome<T> outcome = call(limit, parse);
        record(outcome.accepted(), System.nanoTime() - t0);
        return outcome;
    }

    /** Checks that {@code t} is what the contract allows: a RasdException with a message. */
    public static RasdException asRejection(Throwable t) {
        if (!(t instanceof RasdException r)) {
            throw new AssertionError("expected a RasdException, got " + t, t);
        }
        if (r.getMessage() == null || r.getMessage().isBlank()) {
            throw new AssertionError("a RasdException without a message", r);
        }
        return r;
    }

    /** Counts one input: whether the parser accepted it, and how long it took. */
    public void record(boolean wasAccepted, long nanos) {
        inputs.incrementAndGet();
        (wasAccepted ? accepted : rejected).incrementAndGet();
        maxNanos.accumulateAndGet(nanos, Math::max);
    }

    /** The one-line summary, e.g. for {@code @AfterContainer}. */
    public String summary() {
        return String.format(
                java.util.Locale.ROOT,
                "fuzz %s: %d inputs, %d accepted, %d rejected with RasdException, max time per input %.1f ms",
                target,
                inputs.get(),
                accepted.get(),
                rejected.get(),
                maxNanos.get() / 1e6);
    }

    /**
     * A temporary directory for this target's files, made on first use and deleted by {@link #finish}; in memory
     * (/dev/shm) where there is one, so thousands of inputs written to disk do not wait on it.
     */
    public synchronized Path directory() {
        if (directory == null) {
            String prefix = "rasd-fuzz-" + target.replace(' ', '-');
            Path shm = Path.of("/dev/shm");
            try {
                directory = Files.isDirectory(shm) && Files.isWritable(shm)
                        ? Files.createTempDirectory(shm, prefix)
                        : Files.createTempDirectory(prefix);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return directory;
    }

    /** Deletes the directory and prints the summary; for {@code @AfterContainer}. */
    public synchronized void finish() throws IOException {
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            directory = null;
        }
        System.out.println(summary());
    }

    /** Values that break length and count fields: 0, 1, -1, around {@code near}, the ends of long, random. */
    public static long interestingLong(RandomGenerator r, long near) {
        return switch (r.nextInt(9)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> -1 - r.nextInt(8);
            case 3 -> near - 1 - r.nextInt(8);
            case 4 -> near + 1 + r.nextInt(8);
            case 5 -> Integer.MAX_VALUE;
            case 6 -> Long.MAX_VALUE - r.nextInt(8);
            case 7 -> Long.MIN_VALUE;
            default -> r.nextLong();
        };
    }

    private static final byte[] EDGE_BYTES = {0, 1, -1, Byte.MAX_VALUE, Byte.MIN_VALUE};

    /**
     * Random bytes, at most {@code maxSize}, with the edge cases a generator should not miss: empty, the longest,
     * mostly short, and bytes that are 0, 1, -1 or the ends of a byte, alone or filling the array.
     */
    public static byte[] bytes(RandomGenerator r, int maxSize) {
        int size = switch (r.nextInt(16)) {
            case 0 -> 0;
            case 1 -> maxSize;
            case 2, 3, 4, 5, 6, 7 -> r.nextInt(Math.min(maxSize, 16) + 1);
            default -> r.nextInt(maxSize + 1);
        };
        byte[] b = new byte[size];
        int mode = r.nextInt(8);
        if (mode == 0) {
            java.util.Arrays.fill(b, EDGE_BYTES[r.nextInt(EDGE_BYTES.length)]);
        } else {
            for (int i = 0; i < size; i++) {
                boolean edge = mode == 1 || r.nextInt(8) == 0;
                b[i] = edge ? EDGE_BYTES[r.nextInt(EDGE_BYTES.length)] : (byte) r.nextInt(256);
            }
        }
        return b;
    }

    /** A uniform shuffle (Fisher-Yates) driven by {@code r}, for generators that are not a {@link java.util.Random}. */
    public static <T> void shuffle(List<T> list, RandomGenerator r) {
        for (int i = list.size() - 1; i > 0; i--) {
            java.util.Collections.swap(list, i, r.nextInt(i + 1));
        }
    }

    // ---- running a property ----

    /** The tries a property runs: {@code rasd.fuzz.tries} where given, else its default. */
    public static int tries(int defaultTries) {
        String tries = System.getProperty(TRIES_PROPERTY);
        return tries == null || tries.isBlank() ? defaultTries : Integer.parseInt(tries.strip());
    }

    /** The seed of this run: {@code rasd.fuzz.seed}, {@value #DEFAULT_SEED} by default, or a fresh one for random. */
    private static long seed() {
        String seed = System.getProperty(SEED_PROPERTY, DEFAULT_SEED).strip();
        if (seed.equalsIgnoreCase("random")) {
            long picked = new SplittableRandom().nextLong();
            System.out.println("fuzz: " + SEED_PROPERTY + "=random picked seed " + picked);
            return picked;
        }
        return Long.parseLong(seed);
    }

    /**
     * The seed of one try: the run's seed, the property's name and the try's index, mixed so that the tries'
     * SplittableRandom streams are unrelated (seeds one golden-ratio step apart would give one stream, shifted).
     */
    static long caseSeed(long seed, String property, int tryIndex) {
        return mix(mix(seed ^ property.hashCode()) + 0x9E3779B97F4A7C15L * (tryIndex + 1L));
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The check of one input; it may throw anything, and anything it throws fails the property. */
    @FunctionalInterface
    public interface Check<T> {
        void accept(T input) throws Exception;
    }

    /**
     * Runs a property: for each try, {@code generate} makes an input from that try's {@link SplittableRandom} and
     * {@code check} holds the parser to the contract. The first failing try fails the test with the input's
     * description, the seed and the try index (and how to replay it); a passing run prints its tries and seed.
     * The property's name is the calling test class and method.
     */
    public static <T> void forAll(int defaultTries, Function<SplittableRandom, T> generate, Check<T> check) {
        StackWalker.StackFrame caller = StackWalker.getInstance()
                .walk(frames -> frames.filter(f -> !f.getClassName().equals(Fuzz.class.getName()))
                        .findFirst()
                        .orElseThrow());
        String className = caller.getClassName();
        String property = className.substring(className.lastIndexOf('.') + 1) + "." + caller.getMethodName();
        int tries = tries(defaultTries);
        String only = System.getProperty(TRY_PROPERTY);
        int from = 0;
        int to = tries;
        if (only != null && !only.isBlank()) {
            from = Integer.parseInt(only.strip());
            to = from + 1;
        }
        long t0 = System.nanoTime();
        for (int i = from; i < to; i++) {
            T input = null;
            try {
                input = generate.apply(new SplittableRandom(caseSeed(SEED, property, i)));
                check.accept(input);
            } catch (Throwable t) {
                String what = input == null ? "(generating the input failed)" : String.valueOf(input);
                if (what.length() > MAX_DESCRIPTION) {
                    what = what.substring(0, MAX_DESCRIPTION) + "... (" + what.length() + " chars)";
                }
                throw new AssertionError(
                        String.format(
                                Locale.ROOT,
                                "fuzz property %s failed at try %d of %d, seed %d (replay: -D%s=%d -D%s=%d -Dtest='%s#%s')%n"
                                        + "input: %s%n%s",
                                property,
                                i,
                                tries,
                                SEED,
                                SEED_PROPERTY,
                                SEED,
                                TRY_PROPERTY,
                                i,
                                className.substring(className.lastIndexOf('.') + 1),
                                caller.getMethodName(),
                                what,
                                t),
                        t);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "fuzz property %s: %d tries, seed %d, passed in %.1f s%n",
                property,
                to - from,
                SEED,
                (System.nanoTime() - t0) / 1e9);
    }
}
