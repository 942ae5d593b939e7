package io.rasd.engine;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A place in the engine's admission taken ahead of a generation: a generation slot, or a place in the queue for one.
 * {@link RasdEngine#reserve()} takes it without waiting (or refuses at once with {@link RasdBusyException}), so an
 * HTTP front end can answer 429 while it can still send a status code, and then hand the place to the generation
 * with {@link RasdEngine#generate(GenerationRequest, GenerationListener, Cancellation, Reservation)}.
 *
 * <p>Exactly one object owns the place at a time. {@link #transfer()} moves it to a new object (the generation's, or
 * an adapter's on its way to one) and leaves this one empty; {@link #close()} gives it back unless it moved on, so an
 * owner can always close in a {@code finally}: the place is counted once and released once, on every path. Thread-safe.
 */
public final class Reservation implements AutoCloseable {

    private final AdmissionControl admission;
    private final AtomicReference<AdmissionControl.Ticket> ticket;

    Reservation(AdmissionControl admission, AdmissionControl.Ticket ticket) {
        this.admission = admission;
        this.ticket = new AtomicReference<>(ticket);
    }

    /** Whether this object still owns a place (it has not been transferred or closed). */
    public boolean isHeld() {
        return ticket.get() != null;
    }

    /** Whether this object owns a generation slot now (rather than a queue place, or nothing). */
    public boolean holdsSlot() {
        AdmissionControl.Ticket t = ticket.get();
        return t != null && admission.holdsSlot(t);
    }

    /**
     * Waits in the queue until the place becomes a generation slot (at once if it is one). Returns false if
     * {@code cancellation} was set while waiting (the place is given back then); throws {@link RasdBusyException}
     * when the wait passes the engine's queue timeout, counted from {@link RasdEngine#reserve()} (the place is given
     * back then too), and {@link IllegalStateException} when this object owns no place.
     */
    public boolean awaitSlot(Cancellation cancellation) {
        return awaitSlot(cancellation, null);
    }

    /**
     * As {@link #awaitSlot(Cancellation)}, and throws {@link RasdTimeoutException} (the place given back) when
     * {@code timeout}, counted from {@link RasdEngine#reserve()}, passes before a slot frees: the request's own
     * {@link GenerationRequest#timeout()}, so that a front end can answer with a status code before its response
     * starts. {@code null}: no limit but the queue timeout.
     */
    public boolean awaitSlot(Cancellation cancellation, java.time.Duration timeout) {
        AdmissionControl.Ticket t = ticket.get();
        if (t == null) {
            throw new IllegalStateException("This reservation was handed on or closed; it holds no place");
        }
        boolean admitted = false;
        try {
            admitted = admission.await(t, cancellation, Deadline.after(t.reservedAt, timeout));
            return admitted;
        } finally {
            if (!admitted) {
                ticket.compareAndSet(t, null); // given back by the wait
            }
        }
    }

    /** When the place was taken ({@link System#nanoTime()}): a request's timeout counts from here. */
    long reservedAtNanos() {
        AdmissionControl.Ticket t = ticket.get();
        if (t == null) {
            throw new IllegalStateException("This reservation was handed on or closed; it holds no place");
        }
        return t.reservedAt;
    }

    /**
     * Moves the place to a new object and leaves this one empty (its {@link #close()} then does nothing). Throws
     * {@link IllegalStateException} when this object owns no place: a place is handed on only once.
     */
    public Reservation transfer() {
        AdmissionControl.Ticket t = ticket.getAndSet(null);
        if (t == null) {
            throw new IllegalStateException("This reservation was handed on or closed already; reserve a new one");
        }
        return new Reservation(admission, t);
    }

    boolean belongsTo(AdmissionControl control) {
        return admission == control;
    }

    /** Gives the slot or queue place back, unless it was transferred; idempotent. */
    @Override
    public void close() {
        AdmissionControl.Ticket t = ticket.getAndSet(null);
        if (t != null) {
            admission.release(t);
        }
    }
}
