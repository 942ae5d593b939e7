package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.RasdEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many callers, one engine: concurrent blocking and streaming chats through the LangChain4j models all get exactly the
 * answer a lone caller gets, nothing deadlocks, and the NDArray counts end where they started. Bounded in count and
 * time (each call has a deadline).
 */
class SoakTest {

    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CLIENT = 6;
    private static final List<String> QUESTIONS = List.of(
            "How do I read a file line by line in Python?", "What does perldoc do?", "Explain list comprehensions.");
    private static final List<DecodingMode> MODES = List.of(DecodingMode.RASD, DecodingMode.AR, DecodingMode.RASD_PLD);

    private static ChatRequest request(String question, DecodingMode mode) {
        return ChatRequest.builder()
                .messages(UserMessage.from(question))
                .parameters(RasdChatRequestParameters.builder()
                        .mode(mode)
                        .maxOutputTokens(40)
                        .build())
                .build();
    }

    private static String stream(RasdStreamingChatModel model, ChatRequest request) throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partials = new StringBuilder();
        model.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        String text = done.get(2, TimeUnit.MINUTES).aiMessage().text();
        assertThat(partials.toString()).isEqualTo(text);
        return text;
    }

    /** The process's resident memory in KiB from /proc (Linux); -1 elsewhere. */
    static long residentKib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: the NDArray counts still prove the caches are freed
        }
        return -1;
    }

    /** One round: every client's requests, concurrently; returns its seconds, fails on any differing answer. */
    private static double round(RasdChatModel chat, RasdStreamingChatModel streaming, Map<String, String> expected)
            throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                results.add(clients.submit(() -> {
                    List<String> failures = new ArrayList<>();
                    for (int r = 0; r < REQUESTS_PER_CLIENT; r++) {
                        String q = QUESTIONS.get((client + r) % QUESTIONS.size());
                        ChatRequest req = request(q, MODES.get((client * 7 + r) % MODES.size()));
                        String answer = (client + r) % 2 == 0
                                ? chat.chat(req).aiMessage().text()
                                : stream(streaming, req);
                        if (!answer.equals(expected.get(q))) {
                            failures.add("client " + client + " request " + r + " (" + q + ")");
                        }
                    }
                    return failures;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<List<String>> f : results) {
                failures.addAll(f.get(10, TimeUnit.MINUTES)); // a deadlock fails here, it does not hang
            }
            assertThat(failures).as("answers that differ from a lone caller's").isEmpty();
        } finally {
            clients.shutdownNow();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    @Test
    void concurrentChatsAndStreamsGetTheLoneCallersAnswersAndLeaveNothingBehind() throws Exception {
        try (RasdEngine engine = DemoModels.engine()) {
            RasdChatModel chat = RasdChatModel.builder().engine(engine).build();
            RasdStreamingChatModel streaming =
                    RasdStreamingChatModel.builder().engine(engine).build();
            Map<String, String> expected = new HashMap<>();
            for (String q : QUESTIONS) {
                expected.put(
                        q, chat.chat(request(q, DecodingMode.AR)).aiMessage().text());
            }
            int targetArrays = DemoModels.TARGET.liveWeightArrays();
            int draftArrays = DemoModels.DRAFT.liveWeightArrays();
            // two rounds bring the heap and PyTorch's allocator to their working size (measured: +66, +14 MiB);
            // after that, memory growing with the number of requests would be a leak (measured: +5, +5, +1, +1 MiB
            // per round; one leaked KV cache per request would add ~170 MiB over the 48 requests of two rounds)
            double seconds = round(chat, streaming, expected) + round(chat, streaming, expected);
            long rssWarm = residentKib();
            seconds += round(chat, streaming, expected) + round(chat, streaming, expected);
            long rssEnd = residentKib();
            System.out.printf(
                    "soak (LangChain4j): 4 rounds of %d clients x %d requests, 0 errors, %.1f s, resident"
                            + " memory after rounds 2 and 4: %d / %d MiB%n",
                    CLIENTS, REQUESTS_PER_CLIENT, seconds, rssWarm / 1024, rssEnd / 1024);
            if (rssWarm > 0) {
                assertThat(rssEnd - rssWarm)
                        .as("resident memory growth in KiB over two rounds")
                        .isLessThan(48 * 1024);
            }
            assertThat(engine.runningGenerations()).isZero();
            assertThat(engine.queuedGenerations()).isZero();
            assertThat(DemoModels.TARGET.liveWeightArrays()).isEqualTo(targetArrays);
            assertThat(DemoModels.DRAFT.liveWeightArrays()).isEqualTo(draftArrays);
        }
    }
}
