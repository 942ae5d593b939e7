package io.rasd.engine;

import java.time.Duration;

/**
 * When a request's {@link GenerationRequest#timeout()} runs out: a point on {@link System#nanoTime()}'s clock (the
 * monotonic one, so a wall-clock change neither ends nor extends a generation). The engine looks at it while the
 * request waits for a slot and before every decoding step, next to its {@link Cancellation}.
 */
record Deadline(long startNanos, Duration timeout) {

    /** No limit. */
    static final Deadline NONE = new Deadline(0, null);

    /** {@code timeout} counted from {@code startNanos}; {@link #NONE} when {@code timeout} is null. */
    static Deadline after(long startNanos, Duration timeout) {
        return timeout == null ? NONE : new Deadline(startNanos, timeout);
    }

    boolean passed() {
        // compared as an elapsed time, the only overflow-safe comparison of nanoTime values
        return timeout != null && System.nanoTime() - startNanos >= timeout.toNanos();
    }

    /** Nanoseconds left, at least 0; {@link Long#MAX_VALUE} without a limit. */
    long nanosLeft() {
        return timeout == null ? Long.MAX_VALUE : Math.max(0, timeout.toNanos() - (System.nanoTime() - startNanos));
    }

    /** The timeout in milliseconds, for messages. */
    long millis() {
        return timeout == null ? -1 : timeout.toMillis();
    }
}
