package io.rasd.spring.health;

import io.rasd.spring.feed.RasdFeedReplica;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code /actuator/health/rasdFeed} ({@code rasd.feed.enabled}): out of service until this replica has applied the
 * change log up to the head it saw at start (include it in the readiness group, so a load balancer sends nothing to
 * a replica whose datastore still lacks documents the others have), down while the database cannot be read; the
 * position, head and lag as details.
 */
public class RasdFeedHealthIndicator extends AbstractHealthIndicator {

    private final RasdFeedReplica replica;

    public RasdFeedHealthIndicator(RasdFeedReplica replica) {
        super("rasd feed health check failed");
        this.replica = replica;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (replica.lastError() != null) {
            builder.down();
        } else if (!replica.caughtUp()) {
            builder.outOfService();
        } else {
            builder.up();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("position", replica.position());
        details.put("head", replica.head());
        details.put("startHead", replica.startHead());
        details.put("caughtUp", replica.caughtUp());
        details.put("lagEvents", replica.lagEvents());
        details.put("lagSeconds", replica.lagSeconds());
        details.put("documents", replica.documents().size());
        if (replica.lastError() != null) {
            details.put("error", replica.lastError());
        }
        builder.withDetails(details);
    }
}
