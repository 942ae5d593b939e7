package io.rasd.engine;

import io.rasd.RasdException;

/**
 * The engine refused a generation because it is at capacity: every generation slot is busy and the wait queue is full,
 * or the request waited in the queue longer than the configured timeout. Nothing was generated; retrying later (or
 * against another instance) is safe. HTTP front ends map it to 429.
 */
public final class RasdBusyException extends RasdException {

    public RasdBusyException(String message) {
        super(message);
    }
}
