package io.rasd;

/**
 * The one unchecked exception rasd throws for bad input: a file that is missing or corrupt, a parameter out of
 * range, an unsupported architecture. Messages name the file or parameter and what was expected, so callers can
 * show them to users as they are.
 */
public class RasdException extends RuntimeException {

    public RasdException(String message) {
        super(message);
    }

    public RasdException(String message, Throwable cause) {
        super(message, cause);
    }
}
