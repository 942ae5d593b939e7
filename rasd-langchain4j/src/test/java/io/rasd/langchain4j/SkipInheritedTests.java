package io.rasd.langchain4j;

import java.lang.reflect.Method;
import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables inherited tests by method name, with the reason JUnit reports. For the tests of LangChain4j's conformance
 * classes that a subclass cannot override with {@code @Disabled} because they are package-private there.
 */
final class SkipInheritedTests implements ExecutionCondition {

    private final Map<String, String> reasons;

    SkipInheritedTests(Map<String, String> reasons) {
        this.reasons = Map.copyOf(reasons);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason =
                context.getTestMethod().map(Method::getName).map(reasons::get).orElse(null);
        return reason == null
                ? ConditionEvaluationResult.enabled("not skipped")
                : ConditionEvaluationResult.disabled(reason);
    }
}
