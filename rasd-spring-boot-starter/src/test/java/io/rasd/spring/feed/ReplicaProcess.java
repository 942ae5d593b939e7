package io.rasd.spring.feed;

import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A replica in a JVM of its own, for {@link RasdFeedReplicaTest} to kill with SIGKILL: args JDBC URL, schema, state
 * folder, checkpoint interval in ms. Prints "position N" as it applies changes.
 */
public final class ReplicaProcess {

    private ReplicaProcess() {}

    public static void main(String[] args) throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(args[0]);
        RasdFeedStore store = new RasdFeedStore(ds, args[1]);
        Tokenizer tokenizer = Tokenizer.load(FeedTestSupport.TOKENIZER);
        RasdFeedReplica replica = RasdFeedReplica.open(
                store,
                tokenizer,
                Path.of(args[2]),
                RasdFeedReplica.Settings.of(Duration.ofMillis(200), Duration.ofMillis(Long.parseLong(args[3])), 8));
        replica.start();
        System.out.println("started at " + replica.position());
        long shown = -1;
        while (true) {
            long p = replica.position();
            if (p != shown) {
                System.out.println("position " + p);
                shown = p;
            }
            Thread.sleep(2);
        }
    }
}
