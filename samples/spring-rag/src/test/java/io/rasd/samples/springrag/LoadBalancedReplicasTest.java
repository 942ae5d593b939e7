package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.spring.feed.RasdFeedStore;
import io.rasd.text.Tokenizer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Three replicas of the app (the postgres profile, each a JVM of its own) behind nginx, following one store of record
 * in Debian's PostgreSQL, all real processes started as {@code samples/spring-rag/scale-out} starts them (nginx's
 * configuration comes from the same {@code samples/spring-rag/nginx-conf}). 300 documents are posted round-robin
 * through nginx (each to the replica a conversation key of that replica routes it to) while replicas are killed with
 * SIGKILL and restarted one after the other, and PostgreSQL is restarted under them; then 50 documents are deleted
 * through nginx. After each phase every replica must hold exactly the store of record's segments (the same ids and
 * texts in the embedding index, the same tokens in the token datastore), each posted document once with the number of
 * segments its put answered. A fourth replica started afterwards must answer not ready until it has applied the log
 * head it saw at start, and hold the same segments once ready; a greedy answer is the same from every replica,
 * asked directly or through nginx.
 *
 * <p>Needs Debian's {@code postgresql} (initdb and pg_ctl under /usr/lib/postgresql/N/bin; run as the postgres user
 * when the test runs as root) and {@code nginx} ({@code .ci/run} installs both). Without them the test is skipped,
 * or fails under CI ({@code CI=true} or {@code RASD_REQUIRE_SCALE_OUT=1}). The processes' logs are kept in
 * {@code target/load-balanced-replicas/}. {@code -Drasd.lb.kills=N} kills more often (default 6, two per replica).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LoadBalancedReplicasTest {

    private static final int DOCUMENTS = 300;
    private static final int DELETIONS = 50;
    private static final int KILLS = Integer.getInteger("rasd.lb.kills", 6);
    /** The document after whose put PostgreSQL is restarted. */
    private static final int POSTGRES_RESTART_AT = 250;

    private static final Path LOGS = Path.of("target", "load-balanced-replicas").toAbsolutePath();
    private static final String QUESTION =
            "How does each replica apply the change log, and what happens to a document that is replaced?";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final List<AutoCloseable> cleanUp = new ArrayList<>();

    @Test
    void threeReplicasBehindNginxConvergeThroughKillsAPostgresRestartAndDeletionsAndALateJoinerWaitsUntilCaughtUp()
            throws Exception {
        Path pgBin = required(postgresBin(), "Debian's PostgreSQL (initdb and pg_ctl in /usr/lib/postgresql/N/bin)");
        Path nginxBin = required(nginxBin(), "nginx (Debian's nginx-light or nginx)");
        Files.createDirectories(LOGS);
        try (Stream<Path> old = Files.list(LOGS)) {
            for (Path f : old.toList()) {
                Files.delete(f);
            }
        }
        // PostgreSQL runs as the postgres user when we are root: it must reach its folder inside ours
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        long t0 = System.nanoTime();
        Thread hook = new Thread(this::cleanUpQuietly, "load-balanced-replicas-clean-up");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Tokenizer tokenizer = Tokenizer.load(TestApp.ROOT.resolve("models/demo-target"))) {
            Postgres pg = Postgres.start(pgBin, dir.resolve("pg"), freePort());
            cleanUp.add(pg::stopQuietly);
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(pg.jdbcUrl());
            ds.setUser("rasd");
            RasdFeedStore store = new RasdFeedStore(ds, "rasd");

            Path documents = Files.createDirectories(dir.resolve("no-files")); // only API documents
            int[] ports = {freePort(), freePort(), freePort(), freePort()};
            List<Replica> replicas = new CopyOnWriteArrayList<>(); // the killer thread replaces killed ones
            // the first migrates the schema; the others start once it is up, as scale-out starts them
            replicas.add(Replica.launch(1, ports[0], pg, dir, documents));
            cleanUp.add(() -> replicas.forEach(Replica::killQuietly));
            replicas.get(0).awaitReady(http);
            replicas.add(Replica.launch(2, ports[1], pg, dir, documents));
            replicas.add(Replica.launch(3, ports[2], pg, dir, documents));
            replicas.get(1).awaitReady(http);
            replicas.get(2).awaitReady(http);
            Nginx nginx = Nginx.start(
                    nginxBin, Files.createDirectories(dir.resolve("nginx")), freePort(), ports[0], ports[1], ports[2]);
            cleanUp.add(nginx::stopQuietly);
            System.out.printf(
                    "LoadBalancedReplicasTest: PostgreSQL, three replicas and nginx up in %.1f s%n", seconds(t0));

            // a conversation key per replica: nginx's consistent hash sends each to that replica while it is up
            Map<Integer, String> keyOf = keysByReplica(nginx, replicas);

            // 300 documents round-robin through nginx, while replicas are killed and restarted and PostgreSQL restarts
            List<String> texts = texts(DOCUMENTS);
            Map<String, Integer> segmentsPut = new ConcurrentHashMap<>();
            Map<Integer, Integer> servedBy = new ConcurrentHashMap<>();
            AtomicInteger posted = new AtomicInteger();
            AtomicInteger retries = new AtomicInteger();
            AtomicReference<Throwable> killerFailed = new AtomicReference<>();
            int[] killAt = new int[KILLS];
            for (int k = 0; k < KILLS; k++) {
                killAt[k] = 15 + k * (POSTGRES_RESTART_AT - 40) / KILLS;
            }
            AtomicInteger kills = new AtomicInteger();
            AtomicInteger pgRestarts = new AtomicInteger();
            AtomicBoolean pgStopping = new AtomicBoolean();
            long[] outage = {Long.MAX_VALUE, Long.MAX_VALUE}; // when PostgreSQL was stopped, when it was up again
            List<long[]> putTimes = new CopyOnWriteArrayList<>();
            AtomicInteger failedOver = new AtomicInteger();
            long tIngest = System.nanoTime();
            Thread killer = new Thread(
                    () -> {
                        try {
                            Replica restarted = null;
                            for (int k = 0; k < KILLS; k++) {
                                int at = killAt[k];
                                await(() -> posted.get() >= at, "document " + at + " posted");
                                if (restarted != null) {
                                    restarted.awaitReady(http); // one replica down at a time
                                }
                                int victim = k % 3;
                                Replica r = replicas.get(victim);
                                r.kill();
                                kills.incrementAndGet();
                                System.out.printf(
                                        "LoadBalancedReplicasTest: SIGKILL of replica %d after %d puts (%.1f s)%n",
                                        victim + 1, posted.get(), seconds(tIngest));
                                restarted = r.relaunch();
                                replicas.set(victim, restarted);
                            }
                            restarted.awaitReady(http);
                            await(() -> posted.get() >= POSTGRES_RESTART_AT, "document " + POSTGRES_RESTART_AT);
                            for (Replica r : replicas) {
                                r.markLog();
                            }
                            outage[0] = System.nanoTime();
                            pgStopping.set(true); // the ingestion goes on while PostgreSQL restarts
                            pg.restart(Duration.ofMillis(1500));
                            outage[1] = System.nanoTime();
                            pgRestarts.incrementAndGet();
                            System.out.printf(
                                    "LoadBalancedReplicasTest: PostgreSQL restarted after %d puts (%.1f s)%n",
                                    posted.get(), seconds(tIngest));
                        } catch (Throwable t) {
                            killerFailed.set(t);
                        }
                    },
                    "killer");
            killer.start();
            for (int i = 0; i < DOCUMENTS; i++) {
                int gate = i;
                // the ingestion does not run ahead of the kills: each happens while documents are being posted
                await(
                        () -> killerFailed.get() != null
                                || (Arrays.stream(killAt)
                                                        .filter(a -> a + 10 <= gate)
                                                        .count()
                                                <= kills.get()
                                        && (gate < POSTGRES_RESTART_AT + 10 || pgStopping.get())),
                        "the kill or restart before document " + i);
                assertThat(killerFailed.get()).as("the killer thread").isNull();
                String id = "doc-" + i;
                JsonObject body = new JsonObject();
                body.addProperty("id", id);
                body.addProperty("text", texts.get(i));
                long sent = System.nanoTime();
                Answer a = untilAnswered(
                        nginx.port,
                        "POST",
                        "/api/documents",
                        keyOf.get(i % 3),
                        body.toString(),
                        s -> s == 200,
                        retries);
                putTimes.add(new long[] {sent, System.nanoTime()});
                JsonObject reply = JsonParser.parseString(a.body).getAsJsonObject();
                assertThat(reply.get("id").getAsString()).isEqualTo(id);
                segmentsPut.put(id, reply.get("segments").getAsInt());
                servedBy.merge(a.replicaIndex(replicas), 1, Integer::sum);
                failedOver.addAndGet(a.upstream.contains(",") ? 1 : 0);
                posted.incrementAndGet();
            }
            killer.join(TimeUnit.MINUTES.toMillis(5));
            assertThat(killerFailed.get()).as("the killer thread").isNull();
            assertThat(kills.get())
                    .as("SIGKILLs during the ingestion")
                    .isEqualTo(KILLS)
                    .isGreaterThanOrEqualTo(5);
            long duringOutage = putTimes.stream()
                    .filter(t -> t[0] < outage[1] && t[1] > outage[0])
                    .count();
            assertThat(duringOutage)
                    .as("puts sent while PostgreSQL was down or restarting")
                    .isPositive();
            assertThat(pgRestarts.get())
                    .as("PostgreSQL restarts during the ingestion")
                    .isOne();
            System.out.printf(
                    "LoadBalancedReplicasTest: %d documents posted through nginx in %.1f s, served by replica %s;"
                            + " %d passed on by nginx to another replica, %d sent again by the client, %d sent while"
                            + " PostgreSQL restarted (%.1f s)%n",
                    DOCUMENTS,
                    seconds(tIngest),
                    new TreeMap<>(servedBy),
                    failedOver.get(),
                    retries.get(),
                    duringOutage,
                    (outage[1] - outage[0]) / 1e9);
            assertThat(servedBy.keySet()).as("every replica served puts").contains(1, 2, 3);
            for (Replica r : replicas) {
                assertThat(r.logSinceMark())
                        .as("replica %d reconnected after PostgreSQL restarted (log %s)", r.index, r.log)
                        .contains("rasd feed: reading the log again at position");
            }

            Map<String, String> current = new TreeMap<>();
            for (int i = 0; i < DOCUMENTS; i++) {
                current.put("doc-" + i, texts.get(i));
            }
            assertConverged(replicas, store, tokenizer, current, segmentsPut, "after the ingestion");

            // 50 deletions through nginx disappear everywhere
            long tDelete = System.nanoTime();
            for (int n = 0; n < DELETIONS; n++) {
                String id = "doc-" + (1 + 6 * n);
                AtomicInteger attempts = new AtomicInteger();
                Answer a = untilAnswered(
                        nginx.port,
                        "DELETE",
                        "/api/documents/" + id,
                        keyOf.get(n % 3),
                        null,
                        // 404 on a retry: the attempt before deleted it, its answer was lost
                        s -> s == 200 || (s == 404 && attempts.get() > 0),
                        attempts);
                assertThat(a.status).as("delete %s", id).isIn(200, 404);
                current.remove(id);
                segmentsPut.remove(id);
            }
            System.out.printf(
                    "LoadBalancedReplicasTest: %d documents deleted through nginx in %.1f s%n",
                    DELETIONS, seconds(tDelete));
            assertThat(current).hasSize(DOCUMENTS - DELETIONS);
            assertConverged(replicas, store, tokenizer, current, segmentsPut, "after the deletions");

            // a replica started late joins (from a snapshot and the log after it) and only then turns ready. While
            // it starts, the test holds two table locks, so that it is up but provably behind: no snapshot can be
            // published after the put below (so the log after the newest snapshot is not empty), and the late replica
            // can read the log's head and changes but not the segments of a put, so it cannot apply that tail
            long tJoin = System.nanoTime();
            Replica late;
            List<Readiness> seen;
            long head;
            try (Connection hold = ds.getConnection()) {
                hold.setAutoCommit(false);
                try (Statement st = hold.createStatement()) {
                    st.execute("LOCK TABLE rasd.snapshots IN SHARE MODE");
                }
                String id = "late-note";
                JsonObject body = new JsonObject();
                body.addProperty("id", id);
                body.addProperty(
                        "text",
                        "A note posted just before a fourth replica joins: it is in the log after"
                                + " every snapshot, so the new replica must apply it before it turns ready.");
                Answer a = untilAnswered(
                        nginx.port, "POST", "/api/documents", keyOf.get(0), body.toString(), st -> st == 200, retries);
                segmentsPut.put(
                        id,
                        JsonParser.parseString(a.body)
                                .getAsJsonObject()
                                .get("segments")
                                .getAsInt());
                current.put(id, body.get("text").getAsString());
                head = store.head();
                try (Statement st = hold.createStatement()) {
                    st.execute("LOCK TABLE rasd.segments IN ACCESS EXCLUSIVE MODE");
                }
                late = Replica.launch(4, ports[3], pg, dir, documents);
                replicas.add(late);
                // up, knows the head, behind it: several answers in that state
                AtomicInteger behind = new AtomicInteger();
                seen = late.watchReadiness(
                        http,
                        o -> o.status == 200
                                || (o.startHead >= 0 && o.position < o.startHead && behind.incrementAndGet() >= 5));
                assertThat(seen.get(seen.size() - 1).status)
                        .as("not ready while it cannot apply the log after its snapshot: %s", seen)
                        .isNotEqualTo(200);
                hold.rollback(); // releases both locks
            }
            seen.addAll(late.watchReadiness(http, o -> o.status == 200));
            double joinSeconds = seconds(tJoin);
            long notReady = seen.stream().filter(o -> o.status != 200).count();
            Readiness behind = seen.stream()
                    .filter(o -> o.startHead >= 0 && o.position < o.startHead)
                    .findFirst()
                    .orElseThrow();
            System.out.printf(
                    "LoadBalancedReplicasTest: the late replica was ready %.1f s after its start; %d answers not"
                            + " ready before, e.g. %d (%s) at position %d of the head %d it saw at start%n",
                    joinSeconds, notReady, behind.status, behind.overall, behind.position, behind.startHead);
            for (Readiness o : seen) {
                if (o.status == 200) {
                    assertThat(o.startHead).as("the head it saw at start").isGreaterThanOrEqualTo(head);
                    assertThat(o.position)
                            .as("ready only once it has applied the head it saw at start: %s", o)
                            .isGreaterThanOrEqualTo(o.startHead);
                    assertThat(o.feedStatus).isEqualTo("UP");
                } else {
                    assertThat(o.status).as("not ready: %s", o).isEqualTo(503);
                }
                if (o.startHead < 0 || o.position < o.startHead) {
                    assertThat(o.status).as("not caught up, not ready: %s", o).isNotEqualTo(200);
                }
            }
            assertThat(seen.get(seen.size() - 1).status).isEqualTo(200);
            assertThat(late.log())
                    .as("the late replica joined from a snapshot another replica published")
                    .contains("rasd feed: joined from the snapshot");
            assertConverged(replicas, store, tokenizer, current, segmentsPut, "with the late replica");

            // the same greedy answer whichever replica serves it: each directly, and through nginx to each
            assertSameAnswers(replicas, nginx, keyOf);
            System.out.printf("LoadBalancedReplicasTest: %.1f s in all%n", seconds(t0));
        } finally {
            cleanUpQuietly();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    /**
     * Waits until every replica has applied the log head, then checks each holds exactly the store of record's
     * documents and segments: the same ids and texts in its embedding index, each segment's tokens in its token
     * datastore; the documents are the ones expected, each with the segment count its put answered.
     */
    private void assertConverged(
            List<Replica> replicas,
            RasdFeedStore store,
            Tokenizer tokenizer,
            Map<String, String> expected,
            Map<String, Integer> segmentsPut,
            String when)
            throws Exception {
        long t0 = System.nanoTime();
        long head = store.head();
        for (Replica r : replicas) {
            await(() -> r.position(http) >= head, "replica " + r.index + " at the head " + head + " " + when);
        }
        Map<String, Long> inStore = store.documents();
        assertThat(new TreeMap<>(inStore).keySet())
                .as("the store of record's documents %s", when)
                .isEqualTo(expected.keySet());
        Map<String, List<List<Object>>> reference = new TreeMap<>();
        for (String id : expected.keySet()) {
            List<List<Object>> segments = new ArrayList<>();
            for (RasdFeedStore.Segment s : store.segments(id)) {
                // the splitter may join the parts of a segment with a space where the text had a blank line
                assertThat(expected.get(id).replaceAll("\\s+", " "))
                        .as("segment %s of %s is of the text posted", s.id(), id)
                        .contains(s.segment().text().replaceAll("\\s+", " "));
                segments.add(List.of(
                        s.id(),
                        s.segment().text(),
                        Arrays.stream(tokenizer.encode(s.segment().text(), false))
                                .boxed()
                                .toList()));
            }
            segments.sort(Comparator.comparing(s -> (String) s.get(0)));
            assertThat(segments)
                    .as("segments of %s in the store of record %s", id, when)
                    .hasSize(segmentsPut.get(id));
            reference.put(id, segments);
        }
        for (Replica r : replicas) {
            JsonObject list = r.get(http, "/api/documents?segments=true");
            assertThat(list.get("position").getAsLong()).isGreaterThanOrEqualTo(head);
            Map<String, List<List<Object>>> held = new TreeMap<>();
            for (JsonElement e : list.getAsJsonArray("documents")) {
                JsonObject d = e.getAsJsonObject();
                List<List<Object>> segments = new ArrayList<>();
                for (JsonElement se : d.getAsJsonArray("segments")) {
                    JsonObject s = se.getAsJsonObject();
                    List<Integer> tokens = new ArrayList<>();
                    if (!s.get("tokens").isJsonNull()) {
                        s.getAsJsonArray("tokens").forEach(t -> tokens.add(t.getAsInt()));
                    }
                    segments.add(
                            List.of(s.get("id").getAsString(), s.get("text").getAsString(), tokens));
                }
                assertThat(d.get("embedding_segments").getAsInt())
                        .as("replica %d, %s: segments in the embedding index %s", r.index, d.get("id"), when)
                        .isEqualTo(d.get("datastore_segments").getAsInt())
                        .isEqualTo(segments.size());
                held.put(d.get("id").getAsString(), segments);
            }
            assertThat(held.keySet())
                    .as("replica %d's documents %s (log %s)", r.index, when, r.log)
                    .isEqualTo(reference.keySet());
            for (Map.Entry<String, List<List<Object>>> e : reference.entrySet()) {
                assertThat(held.get(e.getKey()))
                        .as("replica %d: segment ids, texts and datastore tokens of %s %s", r.index, e.getKey(), when)
                        .isEqualTo(e.getValue());
            }
            assertThat(list.get("embedding_segments").getAsInt())
                    .as("replica %d: nothing doubled %s", r.index, when)
                    .isEqualTo(list.get("datastore_segments").getAsInt())
                    .isEqualTo(reference.values().stream().mapToInt(List::size).sum());
        }
        System.out.printf(
                "LoadBalancedReplicasTest: %d replicas hold the same %d documents, %d segments %s (checked in %.1f"
                        + " s)%n",
                replicas.size(),
                reference.size(),
                reference.values().stream().mapToInt(List::size).sum(),
                when,
                seconds(t0));
    }

    private void assertSameAnswers(List<Replica> replicas, Nginx nginx, Map<Integer, String> keyOf) throws Exception {
        JsonObject body = JsonParser.parseString("{\"max_tokens\": 24, \"temperature\": 0,"
                        + " \"rasd\": {\"mode\": \"rasd-datastore\", \"rag\": true},"
                        + " \"messages\": [{\"role\": \"user\", \"content\": \"\"}]}")
                .getAsJsonObject();
        body.getAsJsonArray("messages").get(0).getAsJsonObject().addProperty("content", QUESTION);
        Map<String, JsonObject> answers = new LinkedHashMap<>();
        for (Replica r : replicas) {
            Answer a = send(r.port, "POST", "/v1/chat/completions", null, body.toString());
            assertThat(a.status).as("replica %d: %s", r.index, a.body).isEqualTo(200);
            answers.put(
                    "replica " + r.index + " directly",
                    JsonParser.parseString(a.body).getAsJsonObject());
        }
        List<Integer> throughNginx = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Answer a = send(nginx.port, "POST", "/v1/chat/completions", keyOf.get(i), body.toString());
            assertThat(a.status).as(a.body).isEqualTo(200);
            int served = a.replicaIndex(replicas);
            throughNginx.add(served);
            answers.put(
                    "replica " + served + " through nginx",
                    JsonParser.parseString(a.body).getAsJsonObject());
        }
        assertThat(throughNginx)
                .as("nginx sent the three conversation keys to the three replicas")
                .hasSize(3);
        assertThat(throughNginx.stream().distinct().count()).isEqualTo(3);
        JsonObject first = answers.values().iterator().next();
        String content = content(first);
        assertThat(content).isNotEmpty();
        answers.forEach((who, answer) -> {
            assertThat(content(answer)).as("the greedy answer of %s", who).isEqualTo(content);
            assertThat(answer.getAsJsonObject("rasd").get("sources"))
                    .as("the sources %s retrieved", who)
                    .isEqualTo(first.getAsJsonObject("rasd").get("sources"));
            assertThat(answer.getAsJsonObject("rasd").get("accepted"))
                    .as("tokens accepted by source on %s", who)
                    .isEqualTo(first.getAsJsonObject("rasd").get("accepted"));
        });
        JsonArray sources = first.getAsJsonObject("rasd").getAsJsonArray("sources");
        assertThat(sources).as("the answer retrieved from the documents").isNotEmpty();
        System.out.printf(
                "LoadBalancedReplicasTest: the same greedy answer from %d replicas directly and through nginx (%d"
                        + " sources, accepted by source %s): %s%n",
                replicas.size(),
                sources.size(),
                first.getAsJsonObject("rasd").get("accepted"),
                new com.google.gson.JsonPrimitive(content));
    }

    private static String content(JsonObject completion) {
        return CompletionBodies.content(completion.toString());
    }

    /** A conversation key per replica index (1-3), found by asking nginx which replica serves each of a few keys. */
    private Map<Integer, String> keysByReplica(Nginx nginx, List<Replica> replicas) throws Exception {
        Map<Integer, String> keyOf = new TreeMap<>();
        for (int n = 0; n < 500 && keyOf.size() < 3; n++) {
            String key = "conversation-" + n;
            Answer a = send(nginx.port, "GET", "/actuator/health/readiness", key, null);
            assertThat(a.status).as(a.body).isEqualTo(200);
            keyOf.putIfAbsent(a.replicaIndex(replicas), key);
        }
        assertThat(keyOf.keySet()).as("a conversation key for every replica").containsExactly(1, 2, 3);
        // keyed by document index modulo 3
        Map<Integer, String> byRemainder = new TreeMap<>();
        keyOf.forEach((replica, key) -> byRemainder.put(replica - 1, key));
        return byRemainder;
    }

    /** Documents of demo-corpus paragraphs, numbered; every third one several paragraphs long (several segments). */
    private static List<String> texts(int n) throws IOException {
        List<String> paragraphs = TestApp.corpusParagraphs(80, 400);
        assertThat(paragraphs.size()).isGreaterThan(50);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder text = new StringBuilder("Note " + i + ". " + paragraphs.get(i % paragraphs.size()));
            for (int k = 1; k <= (i % 3 == 0 ? 3 : 0); k++) {
                text.append("\n\n").append(paragraphs.get((i * 7 + k) % paragraphs.size()));
            }
            out.add(text.toString());
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ HTTP

    private record Answer(int status, String body, String upstream) {

        /** Which replica answered (1-based): the last address nginx tried. */
        int replicaIndex(List<Replica> replicas) {
            assertThat(upstream).as("X-Rasd-Replica").isNotNull();
            String[] tried = upstream.split(",");
            String last = tried[tried.length - 1].trim();
            int port = Integer.parseInt(last.substring(last.lastIndexOf(':') + 1));
            for (Replica r : replicas) {
                if (r.port == port) {
                    return r.index;
                }
            }
            throw new AssertionError("no replica on " + last);
        }
    }

    private Answer send(int port, String method, String path, String conversationKey, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        json == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        if (conversationKey != null) {
            b.header("X-Conversation-Key", conversationKey);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(
                r.statusCode(),
                r.body(),
                r.headers().firstValue("X-Rasd-Replica").orElse(null));
    }

    /**
     * Sends until {@code done} accepts the status, as a client of a load balancer does: an answer lost to a kill, a
     * 502 while every replica it tried was down, a 500 while PostgreSQL restarts are retried (a put or a delete is
     * idempotent). {@code attempts} counts the retries.
     */
    private Answer untilAnswered(
            int port,
            String method,
            String path,
            String key,
            String json,
            java.util.function.IntPredicate done,
            AtomicInteger attempts)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                Answer a = send(port, method, path, key, json);
                if (done.test(a.status)) {
                    return a;
                }
                last = a.status + " " + a.body;
            } catch (IOException e) {
                last = e.toString();
            }
            attempts.incrementAndGet();
            Thread.sleep(200);
        }
        throw new AssertionError(method + " " + path + " not answered within 2 minutes; last: " + last);
    }

    // ------------------------------------------------------------------------------------------------ processes

    /** A replica of the app in its own JVM, as samples/spring-rag/scale-out starts one; output in LOGS. */
    private static final class Replica {
        final int index;
        final int port;
        final Path log;
        private final Process process;
        private final Postgres pg;
        private final Path dir;
        private final Path documents;
        private final int generation;
        private long mark;

        private Replica(
                int index, int port, Postgres pg, Path dir, Path documents, int generation, Process process, Path log) {
            this.index = index;
            this.port = port;
            this.pg = pg;
            this.dir = dir;
            this.documents = documents;
            this.generation = generation;
            this.process = process;
            this.log = log;
        }

        static Replica launch(int index, int port, Postgres pg, Path dir, Path documents) throws IOException {
            return launch(index, port, pg, dir, documents, 1);
        }

        private static Replica launch(int index, int port, Postgres pg, Path dir, Path documents, int generation)
                throws IOException {
            List<String> cmd = TestApp.appCommand(
                    "--spring.profiles.active=postgres",
                    "--server.port=" + port,
                    "--spring.datasource.url=" + pg.jdbcUrl(),
                    "--spring.datasource.username=rasd",
                    "--spring.datasource.password=",
                    "--rasd.feed.state-dir=" + dir.resolve("replica-" + index),
                    "--rasd.feed.checkpoint-interval=300ms", // kills land in and between checkpoints
                    "--rasd.feed.snapshot-interval=10s", // the late replica joins from a snapshot
                    "--rasd.target.path=" + TestApp.ROOT.resolve("models/demo-target"),
                    "--rasd.draft.path=" + TestApp.ROOT.resolve("models/demo-draft"),
                    "--rasd.speculation.adaptive=false", // the same proposals on every replica
                    "--rasd.prefix-cache.enabled=false",
                    "--rag.documents=" + documents);
            Path log = LOGS.resolve("replica-" + index + "-" + generation + ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(TestApp.ROOT.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("OPT_OUT_TRACKING", "true");
            return new Replica(index, port, pg, dir, documents, generation, pb.start(), log);
        }

        /** The same replica (port, state folder) started again. */
        Replica relaunch() throws IOException {
            return launch(index, port, pg, dir, documents, generation + 1);
        }

        String log() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(cannot read " + log + ": " + e + ")";
            }
        }

        void markLog() {
            mark = log().length();
        }

        String logSinceMark() {
            String all = log();
            return all.substring((int) Math.min(mark, all.length()));
        }

        private String tail() {
            String all = log();
            return all.substring(Math.max(0, all.length() - 6000));
        }

        void awaitReady(HttpClient http) throws InterruptedException {
            await(() -> readiness(http).status == 200, "replica " + index + " ready (log " + log + ")");
        }

        /** Polls readiness until {@code until} accepts an answer, every answer noted (connection refused: none). */
        List<Readiness> watchReadiness(HttpClient http, java.util.function.Predicate<Readiness> until)
                throws InterruptedException {
            List<Readiness> seen = new ArrayList<>();
            await(
                    () -> {
                        Readiness r = readiness(http);
                        if (r.status > 0) {
                            seen.add(r);
                            return until.test(r);
                        }
                        return false;
                    },
                    "replica " + index + "'s readiness (log " + log + ")");
            return seen;
        }

        Readiness readiness(HttpClient http) {
            assertThat(process.isAlive())
                    .as("replica %d is running; its log %s ends:%n%s", index, log, tail())
                    .isTrue();
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
                JsonObject feed = Optional.ofNullable(o.getAsJsonObject("components"))
                        .map(c -> c.getAsJsonObject("rasdFeed"))
                        .orElse(null);
                if (feed == null) {
                    return new Readiness(r.statusCode(), o.get("status").getAsString(), null, -1, -1);
                }
                JsonObject d = feed.getAsJsonObject("details");
                return new Readiness(
                        r.statusCode(),
                        o.get("status").getAsString(),
                        feed.get("status").getAsString(),
                        d.get("position").getAsLong(),
                        d.get("startHead").getAsLong());
            } catch (IOException | RuntimeException e) {
                return new Readiness(0, e.toString(), null, -1, -1); // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        long position(HttpClient http) {
            Readiness r = readiness(http);
            return r.position;
        }

        JsonObject get(HttpClient http, String path) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(r.statusCode())
                    .as("%s on replica %d: %s", path, index, r.body())
                    .isEqualTo(200);
            return JsonParser.parseString(r.body()).getAsJsonObject();
        }

        /** SIGKILL: no shut-down hook runs, no checkpoint is written. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }

        void killQuietly() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One look at a replica's /actuator/health/readiness: the HTTP status and its rasdFeed details. */
    private record Readiness(int status, String overall, String feedStatus, long position, long startHead) {}

    /**
     * Debian's PostgreSQL in a folder of its own, on its own port (TCP on 127.0.0.1, its socket in that folder), run
     * as the postgres user when the test runs as root (PostgreSQL refuses root), as samples/spring-rag/scale-out does.
     */
    private static final class Postgres {
        private final Path bin;
        private final Path root;
        private final Path data;
        private final int port;

        private Postgres(Path bin, Path root, int port) {
            this.bin = bin;
            this.root = root;
            this.data = root.resolve("data");
            this.port = port;
        }

        static Postgres start(Path bin, Path root, int port) throws Exception {
            Files.createDirectories(root);
            if (isRoot()) {
                UserPrincipal postgres =
                        root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(root, postgres);
            }
            Postgres pg = new Postgres(bin, root, port);
            pg.run("initdb", "-D", pg.data.toString(), "-U", "rasd", "--auth=trust", "-E", "UTF8", "--locale=C");
            pg.start();
            return pg;
        }

        String jdbcUrl() {
            return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        }

        void start() throws Exception {
            run(
                    "pg_ctl",
                    "-D",
                    data.toString(),
                    "-o",
                    "-p " + port + " -k " + root + " -c listen_addresses=127.0.0.1",
                    "-l",
                    root.resolve("server.log").toString(),
                    "-w",
                    "start");
        }

        /** A fast shut-down (open connections are cut, nothing committed is lost), a pause, and a start. */
        void restart(Duration down) throws Exception {
            run("pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "stop");
            Thread.sleep(down.toMillis());
            start();
        }

        void stopQuietly() throws Exception {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                run("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
            }
            Files.copy(
                    root.resolve("server.log"),
                    LOGS.resolve("postgres.log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }

        private void run(String tool, String... args) throws Exception {
            List<String> cmd = new ArrayList<>();
            if (isRoot()) {
                cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            cmd.add(bin.resolve(tool).toString());
            cmd.addAll(List.of(args));
            Path out = LOGS.resolve("postgres-" + tool + ".log");
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .start();
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("%s finishes", cmd).isTrue();
            assertThat(p.exitValue())
                    .as("%s: exit code; output:%n%s", cmd, Files.readString(out))
                    .isZero();
        }
    }

    /** nginx with samples/spring-rag/nginx-conf's configuration, in a folder of its own. */
    private static final class Nginx {
        final int port;
        private final Path bin;
        private final Path work;

        private Nginx(Path bin, Path work, int port) {
            this.bin = bin;
            this.work = work;
            this.port = port;
        }

        static Nginx start(Path bin, Path work, int port, int... replicaPorts) throws Exception {
            List<String> gen = new ArrayList<>(List.of(
                    "bash",
                    TestApp.ROOT.resolve("samples/spring-rag/nginx-conf").toString(),
                    work.toString(),
                    Integer.toString(port)));
            for (int p : replicaPorts) {
                gen.add(Integer.toString(p));
            }
            Path conf = work.resolve("nginx.conf");
            Process g = new ProcessBuilder(gen)
                    .redirectOutput(conf.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            assertThat(g.waitFor()).as("nginx-conf").isZero();
            Nginx nginx = new Nginx(bin, work, port);
            nginx.run(); // daemon on: returns once it listens
            return nginx;
        }

        private void run(String... signal) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(
                    bin.toString(),
                    "-p",
                    work.toString(),
                    "-e",
                    work.resolve("nginx-error.log").toString(),
                    "-c",
                    work.resolve("nginx.conf").toString()));
            cmd.addAll(List.of(signal));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("%s: %s", cmd, out).isZero();
        }

        void stopQuietly() throws Exception {
            if (Files.exists(work.resolve("nginx.pid"))) {
                run("-s", "stop");
            }
            for (String f : List.of("nginx-access.log", "nginx-error.log", "nginx.conf")) {
                if (Files.exists(work.resolve(f))) {
                    Files.copy(work.resolve(f), LOGS.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private void cleanUpQuietly() {
        for (int i = cleanUp.size() - 1; i >= 0; i--) {
            try {
                cleanUp.get(i).close();
            } catch (Exception e) {
                System.err.println("LoadBalancedReplicasTest: cleaning up: " + e);
            }
        }
        cleanUp.clear();
    }

    // ------------------------------------------------------------------------------------------------ support

    /** The path, or the test is skipped without it (fails under CI: .ci/run installs it). */
    private static Path required(Optional<Path> found, String what) {
        if (found.isPresent()) {
            return found.get();
        }
        String message = "LoadBalancedReplicasTest needs " + what
                + ", which is not installed (apt-get install postgresql nginx-light; .ci/run installs both)";
        if ("true".equalsIgnoreCase(System.getenv("CI")) || "1".equals(System.getenv("RASD_REQUIRE_SCALE_OUT"))) {
            fail(message);
        }
        Assumptions.abort(message);
        return null;
    }

    private static Optional<Path> postgresBin() {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(
                            b -> versionOf(b.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static double versionOf(String name) {
        try {
            return Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Optional<Path> nginxBin() {
        List<Path> candidates = new ArrayList<>();
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!p.isEmpty()) {
                candidates.add(Path.of(p, "nginx"));
            }
        }
        candidates.add(Path.of("/usr/sbin/nginx"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
