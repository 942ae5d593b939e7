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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** An API key, a full engine queue (429, not a hang) and a client that goes away mid-stream. */
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
}
