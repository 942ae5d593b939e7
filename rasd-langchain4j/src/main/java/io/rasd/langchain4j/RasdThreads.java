package io.rasd.langchain4j;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default threads streaming and async generations run on. Unbounded in threads but not in work: the engine admits
 * at most its slots plus its queue and refuses the rest at once, so at most that many threads ever wait here.
 */
final class RasdThreads {

    private static final ExecutorService GENERATION;

    static {
        AtomicInteger n = new AtomicInteger();
        GENERATION = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rasd-generation-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private RasdThreads() {}

    static ExecutorService generation() {
        return GENERATION;
    }
}
