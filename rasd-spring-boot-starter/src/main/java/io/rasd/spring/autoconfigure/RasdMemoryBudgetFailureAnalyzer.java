package io.rasd.spring.autoconfigure;

import static io.rasd.spring.autoconfigure.RasdMemoryBudget.human;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a memory budget that does not fit: each part with the property that sizes it, what the process has, and
 * which properties to lower.
 */
public class RasdMemoryBudgetFailureAnalyzer extends AbstractFailureAnalyzer<RasdMemoryBudgetException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RasdMemoryBudgetException cause) {
        RasdMemoryBudget b = cause.budget();
        StringBuilder d = new StringBuilder("rasd could not start: what its properties allow does not fit the memory"
                + " this process may use.\n\n");
        d.append("KV caches (native memory, PyTorch tensors): rasd.concurrency.max-concurrent-generations=")
                .append(b.generations())
                .append(" generation(s) x ")
                .append(human(b.kvBytesPerGeneration()))
                .append(" each (a context window of ")
                .append(b.contextTokens())
                .append(" tokens, set by rasd.max-context or the model's max_position_embeddings; target and draft,")
                .append(" f32) = ")
                .append(human(b.kvBytes()))
                .append('\n');
        d.append("Model weights (native memory, f32): ")
                .append(human(b.weightBytes()))
                .append('\n');
        d.append("Native memory needed: ")
                .append(human(b.nativeBytesNeeded()))
                .append("; available: ")
                .append(human(b.nativeBytesAvailable()))
                .append(" (physical memory or container limit ")
                .append(human(b.physicalBytes()))
                .append(" - maximum heap ")
                .append(human(b.heapMaxBytes()))
                .append(" - ")
                .append(human(RasdMemoryBudget.NATIVE_RESERVE))
                .append(" for the JVM and PyTorch)")
                .append(b.nativeFits() ? ": fits" : ": DOES NOT FIT")
                .append('\n');
        d.append("Prefix cache (Java heap): rasd.prefix-cache.max-size=")
                .append(human(b.prefixCacheBytes()))
                .append("; at most ")
                .append(RasdMemoryBudget.PREFIX_CACHE_HEAP_PERCENT)
                .append("% of the maximum heap = ")
                .append(human(b.prefixCacheLimit()))
                .append(b.prefixCacheFits() ? ": fits" : ": DOES NOT FIT");
        String action = (b.nativeFits()
                        ? ""
                        : "Lower rasd.max-context or rasd.concurrency.max-concurrent-generations (or use a smaller"
                                + " model), give the process more memory, or a smaller -Xmx to leave native memory"
                                + " room. ")
                + (b.prefixCacheFits()
                        ? ""
                        : "Lower rasd.prefix-cache.max-size (or rasd.prefix-cache.enabled=false), or raise -Xmx. ")
                + "If you know the process will never reach these bounds, rasd.check-memory=false skips this check.";
        return new FailureAnalysis(d.toString(), action, cause);
    }
}
