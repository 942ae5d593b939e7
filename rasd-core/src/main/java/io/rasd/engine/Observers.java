package io.rasd.engine;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine's {@link GenerationObserver}s. An observer that throws is logged and never breaks a generation. */
final class Observers {

    private static final Logger LOG = LoggerFactory.getLogger(Observers.class);

    private final List<GenerationObserver> observers = new CopyOnWriteArrayList<>();

    AutoCloseable add(GenerationObserver observer) {
        Objects.requireNonNull(observer, "observer");
        observers.add(observer);
        return () -> observers.remove(observer);
    }

    boolean isEmpty() {
        return observers.isEmpty();
    }

    void notify(Consumer<GenerationObserver> call) {
        for (GenerationObserver o : observers) {
            try {
                call.accept(o);
            } catch (RuntimeException e) {
                LOG.warn("Generation observer {} failed: {}", o, e.toString());
            }
        }
    }
}
