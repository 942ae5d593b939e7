package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.Reservation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A stream that has to wait in the engine's queue waits before its response starts: when the queue timeout passes it
 * gets a 429 status with Retry-After (not a 200 carrying an error event), and when the slot frees up in time it gets
 * a complete stream. Loopback only, bounded in time.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"rasd.concurrency.max-queued-generations=1", "rasd.concurrency.queue-timeout=3s"})
class QueuedStreamTest extends RunningAppTest {

    @Autowired
    RasdEngine engine;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private static final String SHORT_STREAM = "{\"stream\": true, \"max_tokens\": 3, \"rasd\": {\"mode\": \"ar\"},"
            + " \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";

    private HttpRequest request(String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static void waitUntil(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime())
                    .as("condition met within %d s", seconds)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aQueuedStreamGets429WhenTheQueueTimeoutPassesAndACompleteStreamWhenTheSlotFreesInTime() throws Exception {
        waitUntil(() -> engine.runningGenerations() == 0, 30);
        Reservation held = engine.reserve(); // the only slot, held by the test itself
        try {
            // waits in the queue with no response started, then the queue timeout refuses it with a status code
            HttpResponse<String> timedOut = http.send(request(SHORT_STREAM), HttpResponse.BodyHandlers.ofString());
            assertThat(timedOut.statusCode()).as(timedOut.body()).isEqualTo(429);
            assertThat(timedOut.headers().firstValue("Retry-After")).isPresent();
            assertThat(JsonParser.parseString(timedOut.body())
                            .getAsJsonObject()
                            .getAsJsonObject("error")
                            .get("message")
                            .getAsString())
                    .contains("queueTimeout");
            assertThat(engine.queuedGenerations()).isZero();

            // queued again; the slot frees in time and the queued stream runs to the end
            CompletableFuture<HttpResponse<String>> queued =
                    http.sendAsync(request(SHORT_STREAM), HttpResponse.BodyHandlers.ofString());
            waitUntil(() -> engine.queuedGenerations() == 1, 30);
            held.close();
            HttpResponse<String> served = queued.get(60, TimeUnit.SECONDS);
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
            assertThat(served.body()).doesNotContain("\"error\"").endsWith("data: [DONE]\n\n");
        } finally {
            held.close();
        }
        waitUntil(() -> engine.runningGenerations() == 0 && engine.queuedGenerations() == 0, 30);
    }
}
