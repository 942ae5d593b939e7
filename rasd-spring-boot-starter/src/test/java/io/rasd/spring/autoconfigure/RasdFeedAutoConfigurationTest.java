package io.rasd.spring.autoconfigure;

import static io.rasd.spring.autoconfigure.RasdAutoConfigurationTest.failsOn;
import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.RasdEngine;
import io.rasd.spring.feed.RasdFeedReplica;
import io.rasd.spring.feed.RasdFeedStore;
import io.rasd.spring.feed.TestPostgres;
import io.rasd.spring.health.RasdFeedHealthIndicator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code rasd.feed.*}: with a PostgreSQL DataSource the engine's datastore is the replica's, which follows the store
 * of record; every property that cannot work fails start-up naming it.
 */
class RasdFeedAutoConfigurationTest {

    private static final EmbeddedPostgres postgres = TestPostgres.get();

    @TempDir
    Path tmp;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    RasdFeedAutoConfiguration.class,
                    RasdAutoConfiguration.class,
                    RasdFeedHealthAutoConfiguration.class))
            .withPropertyValues(Demo.PROPERTIES)
            .withPropertyValues("rasd.feed.enabled=true");

    private ApplicationContextRunner withDatabase() {
        return runner.withBean(DataSource.class, () -> postgres.getPostgresDatabase())
                .withPropertyValues("rasd.feed.state-dir=" + tmp.resolve("state"));
    }

    @Test
    void theEnginesDatastoreIsTheReplicasWhichFollowsTheStoreOfRecord() {
        withDatabase().withPropertyValues("rasd.feed.schema=feed_auto").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(RasdFeedReplica.class);
            RasdFeedReplica replica = context.getBean(RasdFeedReplica.class);
            assertThat(context.getBean(TokenDatastore.class)).isSameAs(replica.datastore());
            assertThat(context.getBean(RasdEngine.class).datastore()).isSameAs(replica.datastore());
            RasdFeedStore store = context.getBean(RasdFeedStore.class);
            assertThat(store.schema()).isEqualTo("feed_auto");
            long t0 = System.nanoTime();
            while (!replica.caughtUp()) {
                assertThat(System.nanoTime() - t0).isLessThan(30_000_000_000L);
                Thread.sleep(10);
            }
            assertThat(context.getBean(RasdFeedHealthIndicator.class)
                            .health(true)
                            .getStatus())
                    .isEqualTo(Status.UP);
        });
    }

    @Test
    void withoutADataSourceStartUpFailsNamingTheProperty() {
        runner.withPropertyValues("rasd.feed.state-dir=" + tmp)
                .run(context -> failsOn(context, "rasd.feed.enabled", "no DataSource", "spring.datasource.url"));
    }

    @Test
    void propertiesThatCannotWorkWithTheFeedFailStartUpNamingThemselves() {
        withDatabase()
                .withPropertyValues("rasd.datastore.path=" + tmp.resolve("d.rasd"))
                .run(context -> failsOn(context, "rasd.datastore.path", "keeps the token datastore itself"));
        withDatabase()
                .withPropertyValues("rasd.rag.feed-embedding-store=true")
                .run(context ->
                        failsOn(context, "rasd.rag.feed-embedding-store", "rasd.rag.feed-embedding-store=false"));
        runner.withBean(DataSource.class, () -> postgres.getPostgresDatabase())
                .run(context -> failsOn(context, "rasd.feed.state-dir", "is required"));
        withDatabase()
                .withPropertyValues("rasd.feed.schema=Rasd-Feed")
                .run(context -> failsOn(context, "rasd.feed.schema", "lower-case SQL identifier"));
        withDatabase()
                .withPropertyValues("rasd.feed.poll-interval=0s")
                .run(context -> failsOn(context, "rasd.feed.poll-interval", "positive"));
        withDatabase()
                .withPropertyValues("rasd.feed.batch-size=0")
                .run(context -> failsOn(context, "rasd.feed.batch-size", ">= 1"));
    }
}
