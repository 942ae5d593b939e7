package io.rasd.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a bad {@code rasd.*} property the way Spring Boot reports its own: description, then action. */
public class RasdConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<RasdConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RasdConfigurationException cause) {
        String description = "rasd could not start: the property '" + cause.property() + "' "
                + (cause.value() == null ? "is not set" : "is '" + cause.value() + "'") + ".\n\n"
                + "Problem: " + cause.problem();
        return new FailureAnalysis(description, cause.action(), cause);
    }
}
