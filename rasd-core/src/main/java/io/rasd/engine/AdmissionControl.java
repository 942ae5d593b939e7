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
 * longer than {@code queueTimeout} (if one is set). A caller's place is a {@link Ticket}: {@link #reserve} takes one
 * without waiting, {@link #await} waits until it holds a slot, {@link #release} gives it back from any state, once.
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
    private final ArrayDeque<Ticket> queue = new ArrayDeque<>();
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

    /** One caller's place: waiting in the queue, holding a slot, or given back. Guarded by the lock. */
    static final class Ticket {
        final long reservedAt = System.nanoTime();
        private State state;
    }

    private enum State {
        QUEUED,
        RUNNING,
        RELEASED
    }

    /**
     * Takes a generation slot if one is free and nobody waits, else a place at the end of the queue; never waits.
     * Throws {@link RasdBusyException} when the queue is full too.
     */
    Ticket reserve() {
        lock.lock();
        try {
            Ticket ticket = new Ticket();
            if (queue.isEmpty() && running < maxConcurrent) {
                running++;
                ticket.state = State.RUNNING;
                return ticket;
            }
            if (queue.size() >= maxQueued) {
                throw new RasdBusyException("The engine is at capacity: " + running + " generation(s) running and "
                        + queue.size() + " waiting (maxConcurrentGenerations=" + maxConcurrent
                        + ", maxQueuedGenerations=" + maxQueued + "); try again later");
            }
            ticket.state = State.QUEUED;
            queue.addLast(ticket);
            return ticket;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code ticket} holds a slot (at once if it does). Returns false if {@code cancellation} was set
     * while waiting or the ticket was given back meanwhile (it has left the queue then); throws
     * {@link RasdBusyException} when it waited longer than the queue timeout, counted from its reservation, and
     * {@link RasdTimeoutException} when the request's own {@code deadline} passes first (it has left the queue then
     * too).
     */
    boolean await(Ticket ticket, Cancellation cancellation, Deadline deadline) {
        lock.lock();
        try {
            long queueDeadline = queueTimeout == null ? Long.MAX_VALUE : ticket.reservedAt + queueTimeout.toNanos();
            while (true) {
                if (ticket.state == State.RUNNING) {
                    return true;
                }
                if (ticket.state == State.RELEASED) {
                    return false;
                }
                if (queue.peekFirst() == ticket && running < maxConcurrent) {
                    queue.removeFirst();
                    running++;
                    ticket.state = State.RUNNING;
                    changed.signalAll();
                    return true;
                }
                if (cancellation.isCancelled()) {
                    release(ticket);
                    return false;
                }
                if (deadline.passed()) {
                    release(ticket);
                    throw RasdTimeoutException.whileQueued(deadline, running, queue.size());
                }
                long left = queueDeadline == Long.MAX_VALUE ? POLL_NANOS : queueDeadline - System.nanoTime();
                if (left <= 0) {
                    release(ticket);
                    throw new RasdBusyException("The request waited " + queueTimeout.toMillis()
                            + " ms for a generation slot (queueTimeout) and gave up; " + running
                            + " generation(s) running, " + queue.size() + " waiting");
                }
                // polls so that a cancellation from another thread is seen without a signal
                changed.awaitNanos(Math.max(1, Math.min(Math.min(left, POLL_NANOS), deadline.nanosLeft())));
            }
        } catch (InterruptedException e) {
            release(ticket);
            Thread.currentThread().interrupt();
            throw new RasdException("Interrupted while waiting for a generation slot", e);
        } finally {
            lock.unlock();
        }
    }

    /** Gives back the slot or the queue place {@code ticket} holds; a ticket given back already is left alone. */
    void release(Ticket ticket) {
        lock.lock();
        try {
            if (ticket.state == State.RUNNING) {
                running--;
            } else if (ticket.state == State.QUEUED) {
                queue.remove(ticket);
            }
            ticket.state = State.RELEASED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code ticket} holds a slot now. */
    boolean holdsSlot(Ticket ticket) {
        lock.lock();
        try {
            return ticket.state == State.RUNNING;
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
