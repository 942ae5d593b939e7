package io.rasd.testing;

import io.rasd.RasdException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The contract shared by the fuzz tests of rasd's parsers of untrusted input: for any input a parser either succeeds
 * or throws a {@link RasdException} with a message; any other exception or error, and any call that does not return
 * in time, is a bug. One {@code Fuzz} per target counts what it tried and prints a one-line summary.
 *
 * <p>Budget: {@code @Property(tries = N)} holds each property's CI default (all fuzz classes together stay within
 * about a minute on a 2-core machine); {@code -Drasd.fuzz.tries=N} overrides every property's tries for a longer run,
 * e.g. {@code ./mvnw -pl rasd-core test -Dtest='*FuzzTest' -Drasd.fuzz.tries=100000}. The seed is fixed
 * ({@value #DEFAULT_SEED}) so CI runs are reproducible; {@code -Drasd.fuzz.seed=random} lets jqwik pick one, and
 * {@code -Drasd.fuzz.seed=N} replays one. jqwik reports the seed of every property it runs.
 */
public final class Fuzz {

    public static final String TRIES_PROPERTY = "rasd.fuzz.tries";
    public static final String SEED_PROPERTY = "rasd.fuzz.seed";
    public static final String DEFAULT_SEED = "4242";

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
        return String.format(java.util.Locale.ROOT,
                "fuzz %s: %d inputs, %d accepted, %d rejected with RasdException, max time per input %.1f ms",
                target, inputs.get(), accepted.get(), rejected.get(), maxNanos.get() / 1e6);
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
                directory = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, prefix)
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
    public static long interestingLong(Random r, long near) {
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

    /** Applies {@code rasd.fuzz.tries} and {@code rasd.fuzz.seed} to each property of the class it is added to. */
    public static final class Budget implements AroundPropertyHook {
        @Override
        public PropagationMode propagateTo() {
            return PropagationMode.ALL_DESCENDANTS;
        }

        /** Outside jqwik's own {@code @PropertyDefaults} hook (proximity -10), so these settings win. */
        @Override
        public int aroundPropertyProximity() {
            return -20;
        }

        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            PropertyAttributes a = context.attributes();
            String tries = System.getProperty(TRIES_PROPERTY);
            if (tries != null && !tries.isBlank()) {
                a.setTries(Integer.parseInt(tries.strip()));
            }
            String seed = System.getProperty(SEED_PROPERTY, DEFAULT_SEED).strip();
            if (!seed.equalsIgnoreCase("random")) {
                a.setSeed(seed);
            }
            PropertyExecutionResult r = property.execute();
            System.out.println("fuzz property " + context.extendedLabel() + ": " + r.countTries() + " tries, seed "
                    + r.seed().orElse("?") + ", " + r.status());
            return r;
        }
    }
}
