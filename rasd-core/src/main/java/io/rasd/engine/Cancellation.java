package io.rasd.engine;

/**
 * A flag another thread sets to stop a generation. The engine looks at it before every decoding step and after every
 * committed token, so a cancelled generation ends within one target forward and frees its slot; while the request
 * still waits for a slot it leaves the queue at once.
 */
public final class Cancellation {

    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
