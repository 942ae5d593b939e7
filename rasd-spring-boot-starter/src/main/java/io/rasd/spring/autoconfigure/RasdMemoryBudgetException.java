package io.rasd.spring.autoconfigure;

import io.rasd.RasdException;

/**
 * The models, KV caches and prefix cache that the {@code rasd.*} properties allow do not fit the memory this process
 * may use ({@link RasdMemoryBudget}); {@link RasdMemoryBudgetFailureAnalyzer} reports the numbers and the properties.
 */
public class RasdMemoryBudgetException extends RasdException {

    private final transient RasdMemoryBudget budget;

    public RasdMemoryBudgetException(RasdMemoryBudget budget) {
        super("rasd's memory budget does not fit this process: needs "
                + RasdMemoryBudget.human(budget.nativeBytesNeeded())
                + " of native memory (" + RasdMemoryBudget.human(budget.nativeBytesAvailable()) + " available) and "
                + RasdMemoryBudget.human(budget.prefixCacheBytes()) + " of heap for the prefix cache ("
                + RasdMemoryBudget.human(budget.prefixCacheLimit()) + " allowed)");
        this.budget = budget;
    }

    public RasdMemoryBudget budget() {
        return budget;
    }
}
