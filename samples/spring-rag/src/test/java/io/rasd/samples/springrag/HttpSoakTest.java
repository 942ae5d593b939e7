package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.rasd.engine.RasdEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Concurrent clients on the HTTP API (JSON and SSE, several modes, with and without retrieval): every answer equals
 * what a lone client gets, there are no errors and no hang, and the engine ends idle with its NDArray counts where
 * they started. Bounded in count and time; loopback only.
 */
class HttpSoakTest extends RunningAppTest {

    private static final int CLIENTS = 6;
    private static final int REQUESTS_PER_CLIENT = 4;
    private static final List<String> QUESTIONS =
            List.of("What is Python?", "Why is Python slow?", "How do I extend Python with C?");
    private static final List<String> MODES = List.of("rasd", "ar", "rasd-datastore", "pld");

    @Autowired
    RasdEngine engine;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static String body(String question, String mode, boolean rag, boolean stream) {
        JsonObject message = new JsonObject();
        message.addProperty("role", "user");
        message.addProperty("content", question);
        JsonObject rasd = new JsonObject();
        rasd.addProperty("mode", mode);
        rasd.addProperty("rag", rag);
        JsonObject o = new JsonObject();
        o.addProperty("max_tokens", 32);
        o.addProperty("stream", stream);
        o.add("messages", new com.google.gson.JsonArray());
        o.getAsJsonArray("messages").add(message);
        o.add("rasd", rasd);
        return o.toString();
    }

    /** The answer's text; a failure (status, error event, no [DONE]) becomes an AssertionError. */
    private String ask(String question, String mode, boolean rag, boolean stream) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
                        .timeout(Duration.ofMinutes(3))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body(question, mode, rag, stream)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return stream ? CompletionBodies.streamedContent(r.body()) : CompletionBodies.content(r.body());
    }

    @Test
    void concurrentClientsGetTheLoneClientsAnswersWithoutErrors() throws Exception {
        Map<String, String> expected = new HashMap<>();
        for (String q : QUESTIONS) {
            for (boolean rag : new boolean[] {false, true}) {
                expected.put(q + rag, ask(q, "ar", rag, false));
            }
        }
        int targetArrays = engine.target().liveWeightArrays();
        int draftArrays = engine.draft().liveWeightArrays();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                results.add(clients.submit(() -> {
                    List<String> differing = new ArrayList<>();
                    for (int r = 0; r < REQUESTS_PER_CLIENT; r++) {
                        String q = QUESTIONS.get((client + r) % QUESTIONS.size());
                        boolean rag = (client + r) % 3 == 0;
                        String mode = MODES.get((client + 2 * r) % MODES.size());
                        String answer = ask(q, mode, rag, (client + r) % 2 == 1);
                        if (!answer.equals(expected.get(q + rag))) {
                            differing.add("client " + client + " request " + r + " " + mode + " rag=" + rag);
                        }
                    }
                    return differing;
                }));
            }
            List<String> differing = new ArrayList<>();
            for (Future<List<String>> f : results) {
                differing.addAll(f.get(10, TimeUnit.MINUTES));
            }
            assertThat(differing).as("answers that differ from a lone client's").isEmpty();
        } finally {
            clients.shutdownNow();
        }
        System.out.printf(
                "soak (HTTP): %d clients x %d requests, 0 errors, %.1f s%n",
                CLIENTS, REQUESTS_PER_CLIENT, (System.nanoTime() - t0) / 1e9);
        assertThat(engine.runningGenerations()).isZero();
        assertThat(engine.queuedGenerations()).isZero();
        assertThat(engine.target().liveWeightArrays()).isEqualTo(targetArrays);
        assertThat(engine.draft().liveWeightArrays()).isEqualTo(draftArrays);
    }
}
