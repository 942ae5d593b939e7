package io.rasd.engine;

import io.rasd.RasdException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine's concurrency policy: at most {@code maxConcurrent} generations run at once, at most {@code maxQueued}
 * more wait for a slot in arrival order, and a request beyond that is refused at once with {@link RasdBusyException}
 * rather than piling up. A waiting request leaves the queue when it is cancelled, and is refused when it has waited
 * longer than {@code queueTimeout} (if one is set).
 *
 * <p>Why one slot by default: on CPU one generation already keeps every core busy in PyTorch's intra-op threads, so a
 * second concurrent generation only splits the same cores and doubles both callers' latency, while a queue serves the
 * first caller at full speed.
 */
final class AdmissionControl {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int maxConcurrent;
    private final int maxQueued;
    private final Duration queueTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private int running;

    AdmissionControl(int maxConcurrent, int maxQueued, Duration queueTimeout) {
        if (maxConcurrent < 1) {
            throw new RasdException("maxConcurrentGenerations must be >= 1, got " + maxConcurrent);
        }
        if (maxQueued < 0) {
            throw new RasdException("maxQueuedGenerations must be >= 0, got " + maxQueued);
        }
        if (queueTimeout != null && (queueTimeout.isNegative() || queueTimeout.isZero())) {
            throw new RasdException(
                    "queueTimeout must be positive (or null to wait as long as it takes), got " + queueTimeout);
        }
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
        this.queueTimeout = queueTimeout;
    }

    /**
     * Takes a generation slot, waiting in line if all are busy. Returns false if {@code cancellation} was set while
     * waiting; throws {@link RasdBusyException} if the queue is full or the wait timed out.
     */
    boolean enter(Cancellation cancellation) {
        lock.lock();
        try {
            if (queue.isEmpty() && running < maxConcurrent) {
                running++;
                return true;
            }
            if (queue.size() >= maxQueued) {
                throw new RasdBusyException("The engine is at capacity: " + running + " generation(s) running and "
                        + queue.size() + " waiting (maxConcurrentGenerations=" + maxConcurrent
                        + ", maxQueuedGenerations=" + maxQueued + "); try again later");
            }
            Object ticket = new Object();
            queue.addLast(ticket);
            long deadline = queueTimeout == null ? Long.MAX_VALUE : System.nanoTime() + queueTimeout.toNanos();
            try {
                while (true) {
                    if (queue.peekFirst() == ticket && running < maxConcurrent) {
                        queue.removeFirst();
                        running++;
                        changed.signalAll();
                        return true;
                    }
                    if (cancellation.isCancelled()) {
                        leave(ticket);
                        return false;
                    }
                    long left = deadline == Long.MAX_VALUE ? POLL_NANOS : deadline - System.nanoTime();
                    if (left <= 0) {
                        leave(ticket);
                        throw new RasdBusyException("The request waited " + queueTimeout.toMillis()
                                + " ms for a generation slot (queueTimeout) and gave up; " + running
                                + " generation(s) running, " + queue.size() + " waiting");
                    }
                    // polls so that a cancellation from another thread is seen without a signal
                    changed.awaitNanos(Math.min(left, POLL_NANOS));
                }
            } catch (InterruptedException e) {
                leave(ticket);
                Thread.currentThread().interrupt();
                throw new RasdException("Interrupted while waiting for a generation slot", e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void leave(Object ticket) {
        queue.remove(ticket);
        changed.signalAll();
    }

    void exit() {
        lock.lock();
        try {
            running--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    int maxConcurrent() {
        return maxConcurrent;
    }

    int maxQueued() {
        return maxQueued;
    }
}
