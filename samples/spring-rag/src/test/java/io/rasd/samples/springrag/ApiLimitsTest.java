package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.engine.RasdEngine;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * An API key, a full engine queue (429, not a hang), streams racing for the only slot (each a complete stream or a
 * 429, never an error inside a 200) and a client that goes away mid-stream.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"rag.api.key=s3cret", "rasd.concurrency.max-queued-generations=0"})
class ApiLimitsTest extends RunningAppTest {

    private static final String KEY = "s3cret";

    @Autowired
    RasdEngine engine;

    private final HttpClient http = HttpClient.newHttpClient();

    private static void waitUntil(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime())
                    .as("condition met within %d s", seconds)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private HttpRequest.Builder request(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)));
        return key == null ? b : b.header("Authorization", "Bearer " + key);
    }

    private HttpResponse<String> chat(String key, String body) throws Exception {
        return http.send(
                request("/v1/chat/completions", key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static final String SHORT =
            "{\"max_tokens\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
    private static final String LONG_STREAM = "{\"stream\": true, \"max_tokens\": 1000, \"rasd\": {\"mode\": \"ar\"},"
            + " \"messages\": [{\"role\": \"user\", \"content\": \"Write a long story.\"}]}";

    private static JsonObject error(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
    }

    @Test
    void theApiNeedsTheKeyAndTheRestStaysOpen() throws Exception {
        HttpResponse<String> missing = chat(null, SHORT);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(error(missing).get("code").getAsString()).isEqualTo("invalid_api_key");
        assertThat(chat("wrong", SHORT).statusCode()).isEqualTo(401);
        assertThat(chat(KEY.substring(0, 5), SHORT).statusCode()).isEqualTo(401);
        assertThat(http.send(request("/v1/models", null).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(401);
        assertThat(chat(KEY, SHORT).statusCode()).isEqualTo(200);
        assertThat(http.send(request("/actuator/health", null).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        assertThat(http.send(request("/", null).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isIn(200, 404);
    }

    @Test
    void requestsBeyondTheQueueGet429AtOnceAndADisconnectFreesTheEngine() throws Exception {
        // one long stream holds the only slot; the queue holds none
        HttpResponse<InputStream> running = http.send(
                request("/v1/chat/completions", KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(LONG_STREAM))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(running.statusCode()).isEqualTo(200);
        InputStream events = running.body();
        assertThat(events.read(new byte[64])).isPositive(); // it is streaming
        waitUntil(() -> engine.runningGenerations() == 1, 30);

        long t0 = System.nanoTime();
        HttpResponse<String> refused = chat(KEY, SHORT);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(error(refused).get("code").getAsString()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        HttpResponse<String> refusedStream = chat(KEY, LONG_STREAM);
        assertThat(refusedStream.statusCode()).isEqualTo(429);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0))
                .as("refused at once")
                .isLessThan(10);

        // the client goes away: the engine notices at its next write and frees the slot
        events.close();
        waitUntil(() -> engine.runningGenerations() == 0, 30);
        assertThat(chat(KEY, SHORT).statusCode()).isEqualTo(200);
    }

    private static final int RACERS = 50;
    private static final String SHORT_STREAM = "{\"stream\": true, \"max_tokens\": 4, \"rasd\": {\"mode\": \"ar\"},"
            + " \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";

    @Test
    void racingStreamsGetACompleteStreamOrA429NeverAnErrorInsideA200() throws Exception {
        // 50 streams released at once against 1 slot and 0 queue places (loopback, bounded in count and time)
        waitUntil(() -> engine.runningGenerations() == 0, 30);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpRequest race = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SHORT_STREAM))
                .build();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return client.send(race, HttpResponse.BodyHandlers.ofString());
                }));
            }
            start.countDown();
            for (Future<HttpResponse<String>> f : futures) {
                responses.add(f.get(3, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
        // counted first, so that a failure reports the whole race
        int streamed = 0;
        int refused = 0;
        List<String> wrong = new ArrayList<>();
        for (HttpResponse<String> r : responses) {
            if (r.statusCode() == 200
                    && r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")
                    && !r.body().contains("\"error\"")
                    && r.body().contains("\"finish_reason\":\"")
                    && r.body().endsWith("data: [DONE]\n\n")) {
                streamed++;
            } else if (r.statusCode() == 429
                    && r.headers().firstValue("Retry-After").isPresent()
                    && error(r).get("type").getAsString().equals("rate_limit_error")) {
                refused++;
            } else {
                wrong.add(r.statusCode() + " " + r.body());
            }
        }
        System.out.printf(
                "racing streams: %d complete 200 streams, %d refused with 429, %d other%n",
                streamed, refused, wrong.size());
        assertThat(wrong)
                .as("responses neither a complete stream nor a 429 with Retry-After")
                .isEmpty();
        assertThat(streamed).as("at least the first stream gets the slot").isPositive();
        assertThat(streamed + refused).isEqualTo(RACERS);
        waitUntil(() -> engine.runningGenerations() == 0 && engine.queuedGenerations() == 0, 30);
        assertThat(chat(KEY, SHORT).statusCode()).as("the slot is free again").isEqualTo(200);
    }
}
