package io.rasd.spring.health;

import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.RasdEngine;
import io.rasd.model.CausalLm;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code /actuator/health/rasd}: up once the models are loaded (the bean exists only then), with the model, device,
 * context window, the datastore's state and the engine's load as details.
 */
public class RasdHealthIndicator extends AbstractHealthIndicator {

    private final RasdEngine engine;

    public RasdHealthIndicator(RasdEngine engine) {
        super("rasd health check failed");
        this.engine = engine;
    }

    /** The draft model's or EAGLE head's directory name, or "none". */
    private String draftName() {
        if (engine.draft() != null) {
            return String.valueOf(engine.draft().directory().getFileName());
        }
        if (engine.drafter() instanceof io.rasd.draft.eagle.EagleDrafter eagle) {
            return String.valueOf(eagle.head().directory().getFileName());
        }
        return engine.drafter() == null ? "none" : engine.drafter().getClass().getSimpleName();
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        CausalLm target = engine.target();
        builder.up()
                .withDetail("model", engine.modelName())
                .withDetail("device", target.device().toString())
                .withDetail("contextWindow", target.contextLimit())
                .withDetail("draftModel", draftName())
                .withDetail("runningGenerations", engine.runningGenerations())
                .withDetail("queuedGenerations", engine.queuedGenerations())
                .withDetail("maxConcurrentGenerations", engine.maxConcurrentGenerations())
                .withDetail("maxQueuedGenerations", engine.maxQueuedGenerations());
        if (engine.prefixCache() != null) {
            var stats = engine.prefixCache().stats();
            builder.withDetail(
                    "prefixCache",
                    java.util.Map.of(
                            "bytes",
                            stats.bytes(),
                            "maxBytes",
                            engine.prefixCache().maxBytes(),
                            "hits",
                            stats.hits(),
                            "misses",
                            stats.misses()));
        }
        TokenDatastore store = engine.datastore();
        if (store == null) {
            builder.withDetail("datastore", "none");
        } else {
            builder.withDetail(
                    "datastore",
                    java.util.Map.of(
                            "documents",
                            store.documentCount(),
                            "tokens",
                            store.tokenCount(),
                            "segments",
                            store.segmentCount()));
        }
    }
}
