package io.rasd.spring.autoconfigure;

import io.rasd.RasdException;

/**
 * A {@code rasd.*} property whose value cannot work: start-up fails with it, and
 * {@link RasdConfigurationFailureAnalyzer} turns it into a report that names the property, the value, what was
 * found there and what to do.
 */
public class RasdConfigurationException extends RasdException {

    private final String property;
    private final Object value;
    private final String problem;
    private final String action;

    public RasdConfigurationException(String property, Object value, String problem, String action, Throwable cause) {
        super(property + "=" + value + ": " + problem, cause);
        this.property = property;
        this.value = value;
        this.problem = problem;
        this.action = action;
    }

    public RasdConfigurationException(String property, Object value, String problem, String action) {
        this(property, value, problem, action, null);
    }

    /** The property's name, e.g. {@code rasd.target.path}. */
    public String property() {
        return property;
    }

    /** Its value as bound (null when unset). */
    public Object value() {
        return value;
    }

    /** What is wrong with it. */
    public String problem() {
        return problem;
    }

    /** What to do about it. */
    public String action() {
        return action;
    }
}
