package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.rasd.datastore.TokenDatastore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** While documents are ingested the API answers 503; a restart loads the saved store instead of embedding again. */
class LoadingTest {

    @TempDir
    Path storeDir;

    /** Started with command-line arguments: they override the application.properties of the sample. */
    private ConfigurableApplicationContext start(boolean web) {
        return start(web, "models/demo-corpus/python/faq");
    }

    private ConfigurableApplicationContext start(boolean web, String documents) {
        return new SpringApplicationBuilder(SpringRagApplication.class)
                .web(web ? WebApplicationType.SERVLET : WebApplicationType.NONE)
                .run(
                        "--rasd.target.path=" + TestApp.ROOT.resolve("models/demo-target"),
                        "--rasd.draft.path=" + TestApp.ROOT.resolve("models/demo-draft"),
                        "--rasd.speculation.adaptive=false",
                        "--server.port=0",
                        "--rag.documents=" + TestApp.ROOT.resolve(documents),
                        "--rag.store-file=" + storeDir.resolve("embeddings.json"));
    }

    private static void awaitReady(ConfigurableApplicationContext context) throws InterruptedException {
        Readiness readiness = context.getBean(Readiness.class);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!readiness.isReady()) {
            assertThat(readiness.failure()).isNull();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void theApiAnswers503UntilTheDocumentsAreIngested() throws Exception {
        // a 55 kB document takes seconds to embed: the first request surely arrives before it is in
        try (ConfigurableApplicationContext context = start(true, "models/demo-corpus/perl/perlfaq5.pod")) {
            String port = context.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest chat = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"max_tokens\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                    .build();
            Readiness readiness = context.getBean(Readiness.class);
            HttpResponse<String> early = http.send(chat, HttpResponse.BodyHandlers.ofString());
            assertThat(readiness.isReady())
                    .as("still ingesting after the first request")
                    .isFalse();
            assertThat(early.statusCode()).isEqualTo(503);
            assertThat(early.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(JsonParser.parseString(early.body())
                            .getAsJsonObject()
                            .getAsJsonObject("error")
                            .get("code")
                            .getAsString())
                    .isEqualTo("loading");
            awaitReady(context);
            assertThat(http.send(chat, HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void aRestartLoadsTheSavedStoreAndFeedsTheDatastoreWithoutEmbeddingAgain() throws Exception {
        int documents;
        try (ConfigurableApplicationContext first = start(false)) {
            awaitReady(first);
            documents = first.getBean(TokenDatastore.class).documentCount();
            assertThat(documents).isGreaterThan(10);
        }
        assertThat(storeDir.resolve("embeddings.json")).isRegularFile();
        long saved =
                Files.getLastModifiedTime(storeDir.resolve("embeddings.json")).toMillis();
        try (ConfigurableApplicationContext second = start(false)) {
            // fed by the starter's backfill before any ingestion could run
            assertThat(second.getBean(TokenDatastore.class).documentCount()).isEqualTo(documents);
            awaitReady(second);
            assertThat(second.getBean(TokenDatastore.class).documentCount()).isEqualTo(documents);
        }
        assertThat(Files.getLastModifiedTime(storeDir.resolve("embeddings.json"))
                        .toMillis())
                .isEqualTo(saved);
    }
}
