package io.rasd.spring.autoconfigure;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.rasd.datastore.TokenDatastore;
import io.rasd.spring.feed.RasdFeedReplica;
import io.rasd.spring.feed.RasdFeedStore;
import io.rasd.text.Tokenizer;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * {@code rasd.feed.enabled=true}: this replica follows the store of record in the application's PostgreSQL
 * {@link DataSource} ({@link RasdFeedStore}, schema migrated by Flyway at start-up) into its own embedding index and
 * the engine's token datastore ({@link RasdFeedReplica}, whose datastore is the {@link TokenDatastore} bean). Before
 * {@link RasdAutoConfiguration}, so that the engine gets this datastore.
 */
@AutoConfiguration(
        before = RasdAutoConfiguration.class,
        afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnBooleanProperty("rasd.feed.enabled")
public class RasdFeedAutoConfiguration {

    private static final String[][] REQUIRED = {
        {"org.postgresql.PGConnection", "org.postgresql:postgresql"},
        {"org.flywaydb.core.Flyway", "org.flywaydb:flyway-core (and org.flywaydb:flyway-database-postgresql)"},
        {"org.flywaydb.database.postgresql.PostgreSQLDatabaseType", "org.flywaydb:flyway-database-postgresql"},
        {"dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore", "dev.langchain4j:langchain4j"},
    };

    @Bean
    @ConditionalOnMissingBean
    RasdFeedStore rasdFeedStore(ObjectProvider<DataSource> dataSource, RasdProperties properties) {
        RasdProperties.Feed f = properties.getFeed();
        for (String[] r : REQUIRED) {
            if (!ClassUtils.isPresent(r[0], RasdFeedAutoConfiguration.class.getClassLoader())) {
                throw new RasdConfigurationException(
                        "rasd.feed.enabled",
                        true,
                        "the class " + r[0] + " is not on the classpath",
                        "Add the dependency " + r[1] + ", or set rasd.feed.enabled=false.");
            }
        }
        DataSource ds = dataSource.getIfAvailable();
        if (ds == null) {
            throw new RasdConfigurationException(
                    "rasd.feed.enabled",
                    true,
                    "the application has no DataSource bean to keep the store of record in",
                    "Set spring.datasource.url (with spring-boot-starter-jdbc) to a PostgreSQL database, or set"
                            + " rasd.feed.enabled=false.");
        }
        if (properties.getDatastore().getPath() != null) {
            throw new RasdConfigurationException(
                    "rasd.datastore.path",
                    properties.getDatastore().getPath(),
                    "the feed keeps the token datastore itself (checkpointed in rasd.feed.state-dir)",
                    "Leave rasd.datastore.path unset while rasd.feed.enabled=true.");
        }
        if (properties.getRag().isFeedEmbeddingStore()) {
            throw new RasdConfigurationException(
                    "rasd.rag.feed-embedding-store",
                    true,
                    "the feed already applies every change to the token datastore and the embedding index",
                    "Set rasd.rag.feed-embedding-store=false while rasd.feed.enabled=true.");
        }
        if (f.getStateDir() == null) {
            throw new RasdConfigurationException(
                    "rasd.feed.state-dir",
                    null,
                    "is required: it is where this replica checkpoints its datastore and embedding index",
                    "Set rasd.feed.state-dir to a folder of this replica's own (not shared with another replica).");
        }
        positive("rasd.feed.poll-interval", f.getPollInterval());
        positive("rasd.feed.checkpoint-interval", f.getCheckpointInterval());
        if (f.getSnapshotInterval() == null || f.getSnapshotInterval().isNegative()) {
            throw new RasdConfigurationException(
                    "rasd.feed.snapshot-interval",
                    f.getSnapshotInterval(),
                    "must not be negative",
                    "Set it to 10m, say, or 0 so that this replica never publishes a snapshot.");
        }
        if (f.getBatchSize() < 1) {
            throw new RasdConfigurationException(
                    "rasd.feed.batch-size", f.getBatchSize(), "must be >= 1", "Set it to 256, say.");
        }
        RasdFeedStore store;
        try {
            store = new RasdFeedStore(ds, f.getSchema());
        } catch (IllegalArgumentException e) {
            throw new RasdConfigurationException(
                    "rasd.feed.schema", f.getSchema(), e.getMessage(), "Use a name such as rasd or rasd_feed.");
        }
        try {
            store.migrate();
        } catch (RuntimeException e) {
            throw new RasdConfigurationException(
                    "spring.datasource.url",
                    "(the application's DataSource)",
                    "the store of record's schema '" + f.getSchema() + "' could not be migrated: " + e.getMessage(),
                    "Point spring.datasource.url at a reachable PostgreSQL database whose user may create the"
                            + " schema (or owns it).",
                    e);
        }
        return store;
    }

    private static void positive(String property, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new RasdConfigurationException(property, d, "must be a positive duration", "Set it to 1s, say.");
        }
    }

    @Bean
    @ConditionalOnMissingBean
    RasdFeedReplica rasdFeedReplica(RasdFeedStore store, Tokenizer tokenizer, RasdProperties properties) {
        RasdProperties.Feed f = properties.getFeed();
        return RasdFeedReplica.open(
                store,
                tokenizer,
                f.getStateDir(),
                new RasdFeedReplica.Settings(
                        f.getPollInterval(),
                        f.getCheckpointInterval(),
                        f.getBatchSize(),
                        f.getSnapshotInterval(),
                        f.isJoinFromSnapshot()));
    }

    /** The engine's datastore is the replica's, opened from its last checkpoint. */
    @Bean
    @ConditionalOnMissingBean
    TokenDatastore rasdFeedDatastore(RasdFeedReplica replica) {
        return replica.datastore();
    }

    /** Position and lag gauges, bound to every registry by Boot's metrics support. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class FeedMetricsConfiguration {

        @Bean
        MeterBinder rasdFeedMetrics(RasdFeedReplica replica) {
            return registry -> {
                Gauge.builder("rasd.feed.position", replica, RasdFeedReplica::position)
                        .description("Change-log position this replica has applied")
                        .register(registry);
                Gauge.builder("rasd.feed.lag.events", replica, RasdFeedReplica::lagEvents)
                        .description("Changes in the log this replica has not applied yet")
                        .register(registry);
                Gauge.builder("rasd.feed.lag.seconds", replica, RasdFeedReplica::lagSeconds)
                        .description("Age of the oldest change this replica has not applied yet")
                        .baseUnit("seconds")
                        .register(registry);
            };
        }
    }
}
