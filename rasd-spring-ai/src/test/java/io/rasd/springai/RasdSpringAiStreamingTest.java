package io.rasd.springai;

import static io.rasd.springai.RasdSpringAiChatModelTest.QUESTION;
import static io.rasd.springai.RasdSpringAiChatModelTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.RasdBusyException;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.RasdTimeoutException;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.Disposable;

class RasdSpringAiStreamingTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final RasdEngine engine = DemoModels.ENGINE;
    private static final RasdSpringAiChatModel model = DemoModels.MODEL;

    private static List<ChatResponse> streamAll(Prompt prompt) {
        return model.stream(prompt).collectList().block(WAIT);
    }

    private static String joined(List<ChatResponse> chunks) {
        return chunks.stream().map(RasdSpringAiChatModelTest::text).collect(Collectors.joining());
    }

    /** Waits until the engine runs nothing; fails after {@code seconds}. */
    private static void awaitIdle(RasdEngine e, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (e.runningGenerations() > 0) {
            assertThat(System.nanoTime()).as("the engine is still generating").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void chunksConcatenateToTheCallTextAndTheLastCarriesFinishReasonAndUsage() {
        for (DecodingMode mode : List.of(DecodingMode.AR, DecodingMode.RASD)) {
            Prompt prompt = new Prompt(
                    QUESTION, RasdSpringAiChatOptions.builder().mode(mode).build());
            List<String> threads = Collections.synchronizedList(new ArrayList<>());
            List<ChatResponse> chunks = model.stream(prompt)
                    .doOnNext(c -> threads.add(Thread.currentThread().getName()))
                    .collectList()
                    .block(WAIT);
            ChatResponse call = model.call(prompt);

            assertThat(chunks).hasSizeGreaterThan(2);
            assertThat(joined(chunks)).as(mode.cliName()).isEqualTo(text(call));
            List<ChatResponse> textChunks = chunks.subList(0, chunks.size() - 1);
            assertThat(textChunks).allSatisfy(c -> {
                assertThat(text(c)).isNotEmpty();
                assertThat(c.getResult().getMetadata().getFinishReason()).isNull();
            });
            ChatResponse last = chunks.get(chunks.size() - 1);
            assertThat(text(last)).isEmpty();
            assertThat(last.getResult().getMetadata().getFinishReason())
                    .isEqualTo(call.getResult().getMetadata().getFinishReason());
            assertThat(last.getMetadata().getUsage().getPromptTokens())
                    .isEqualTo(call.getMetadata().getUsage().getPromptTokens());
            assertThat(last.getMetadata().getUsage().getCompletionTokens())
                    .isEqualTo(call.getMetadata().getUsage().getCompletionTokens());
            assertThat((String) last.getMetadata().get(RasdSpringAiChatModel.METADATA_MODE))
                    .isEqualTo(mode.cliName());
            // one id and model for the whole stream
            assertThat(chunks).allSatisfy(c -> {
                assertThat(c.getMetadata().getId()).isEqualTo(last.getMetadata().getId());
                assertThat(c.getMetadata().getModel()).isEqualTo("demo-target");
            });
            assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("rasd-spring-ai-"));
        }
    }

    @Test
    void aStreamNeverShowsAStopSequenceAndEndsWithStop() {
        String full = model.call(QUESTION);
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        List<ChatResponse> chunks = streamAll(new Prompt(
                QUESTION, ChatOptions.builder().stopSequences(List.of(stop)).build()));
        assertThat(joined(chunks)).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(chunks.get(chunks.size() - 1).getResult().getMetadata().getFinishReason())
                .isEqualTo("STOP");
    }

    @Test
    void theStringStreamOfStreamingChatModelGivesTheText() {
        String streamed = String.join("", model.stream(QUESTION).collectList().block(WAIT));
        assertThat(streamed).isEqualTo(model.call(QUESTION));
    }

    @Test
    void cancellingTheSubscriptionStopsTheGenerationAndFreesTheEngine() throws Exception {
        Prompt longAnswer = new Prompt(
                QUESTION,
                RasdSpringAiChatOptions.builder()
                        .maxTokens(400)
                        .mode(DecodingMode.RASD)
                        .build());
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        // take(3) cancels the subscription after the third chunk
        List<ChatResponse> three = model.stream(longAnswer)
                .doOnNext(c -> seen.add(text(c)))
                .take(3)
                .collectList()
                .block(WAIT);
        assertThat(three).hasSize(3);
        awaitIdle(engine, 10);
        Thread.sleep(100);
        assertThat(seen).hasSize(3);

        // disposing from outside works the same
        CountDownLatch started = new CountDownLatch(1);
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<String> completions = Collections.synchronizedList(new ArrayList<>());
        Disposable subscription = model.stream(longAnswer)
                .subscribe(c -> started.countDown(), errors::add, () -> completions.add("done"));
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        subscription.dispose();
        awaitIdle(engine, 10);
        assertThat(errors).isEmpty();
        assertThat(completions).isEmpty();

        // the engine serves the next request normally
        assertThat(joined(streamAll(new Prompt(QUESTION)))).isEqualTo(model.call(QUESTION));
    }

    @Test
    void badRequestsReachOnErrorInsteadOfBeingThrown() {
        assertThatThrownBy(() -> model.stream(new Prompt(
                                QUESTION,
                                ChatOptions.builder().temperature(-1.0).build()))
                        .blockLast(WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> model.stream(new Prompt(
                                QUESTION,
                                ChatOptions.builder().presencePenalty(1.0).build()))
                        .blockLast(WAIT))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("presencePenalty");
        assertThatThrownBy(() -> model.stream(new Prompt(
                                QUESTION,
                                RasdSpringAiChatOptions.builder()
                                        .toolCallbacks(RasdSpringAiChatModelTest.weatherTool())
                                        .build()))
                        .blockLast(WAIT))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not support tools");
    }

    @Test
    void aBusyEngineFailsTheCallAndTheStreamWithRasdBusyException() throws Exception {
        try (RasdEngine oneSlot = DemoModels.engine(
                RasdEngine.builder().maxConcurrentGenerations(1).maxQueuedGenerations(0))) {
            RasdSpringAiChatModel busy = DemoModels.chatModel(oneSlot);
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            List<ChatResponse> first = Collections.synchronizedList(new ArrayList<>());
            // the first chunk reaches the subscriber on the generating thread: blocking there holds the only slot
            CountDownLatch completed = new CountDownLatch(1);
            busy.stream(new Prompt(QUESTION))
                    .subscribe(
                            c -> {
                                first.add(c);
                                holding.countDown();
                                try {
                                    release.await(60, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            e -> {},
                            completed::countDown);
            try {
                assertThat(holding.await(60, TimeUnit.SECONDS)).isTrue();
                assertThatThrownBy(() -> busy.call(QUESTION))
                        .isInstanceOf(RasdBusyException.class)
                        .hasMessageContaining("at capacity");
                assertThatThrownBy(() -> busy.stream(new Prompt(QUESTION)).blockLast(WAIT))
                        .isInstanceOf(RasdBusyException.class);
            } finally {
                release.countDown();
            }
            // the held generation finishes normally, and then the engine takes requests again
            assertThat(completed.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(busy.call(QUESTION)).isEqualTo(model.call(QUESTION));
        }
    }

    @Test
    void anEngineThatFailsMidStreamReportsToOnError() throws Exception {
        CausalLm closing = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
        try (Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
                RasdEngine e =
                        RasdEngine.builder().target(closing).tokenizer(tok).build()) {
            RasdSpringAiChatModel m = RasdSpringAiChatModel.builder()
                    .engine(e)
                    .chatTemplate(ChatTemplate.of(ChatTemplate.CHATML, Map.of()))
                    .defaultOptions(ChatOptions.builder().maxTokens(300).build())
                    .build();
            List<ChatResponse> chunks = Collections.synchronizedList(new ArrayList<>());
            assertThatThrownBy(() -> m.stream(new Prompt("hello"))
                            .doOnNext(c -> {
                                chunks.add(c);
                                if (chunks.size() == 2) {
                                    closing.close(); // the model's weights are gone: the next forward fails
                                }
                            })
                            .blockLast(WAIT))
                    .isNotNull();
            assertThat(chunks).hasSize(2);
            awaitIdle(e, 10);
        }
    }

    @Test
    void repeatedCallsStreamsAndCancellationsLeaveNoArraysBehind() throws Exception {
        model.call(QUESTION); // warm-up: lazily created state
        int target = DemoModels.TARGET.liveWeightArrays();
        int draft = DemoModels.DRAFT.liveWeightArrays();
        List<DecodingMode> modes = List.of(DecodingMode.AR, DecodingMode.RASD_DATASTORE, DecodingMode.RASD);
        for (int i = 0; i < modes.size(); i++) {
            Prompt prompt = new Prompt(
                    QUESTION + " " + i,
                    RasdSpringAiChatOptions.builder()
                            .mode(modes.get(i))
                            .maxTokens(12)
                            .build());
            model.call(prompt);
            streamAll(prompt);
            model.stream(prompt).take(2).blockLast(WAIT);
            awaitIdle(engine, 10);
        }
        assertThat(DemoModels.TARGET.liveWeightArrays()).isEqualTo(target);
        assertThat(DemoModels.DRAFT.liveWeightArrays()).isEqualTo(draft);
    }

    /** The subscriber slows the stream down, so the timeout always passes mid-stream; nothing asserts a duration. */
    @Test
    void aCallOrStreamPastItsTimeoutThrowsRasdTimeoutExceptionAfterTheChunksItDelivered() throws Exception {
        CausalLm target = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
        try (Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
                RasdEngine e =
                        RasdEngine.builder().target(target).tokenizer(tok).build()) {
            RasdSpringAiChatModel m = RasdSpringAiChatModel.builder()
                    .engine(e)
                    .chatTemplate(ChatTemplate.of(ChatTemplate.CHATML, Map.of()))
                    .defaultOptions(RasdSpringAiChatOptions.builder()
                            .maxTokens(200)
                            .timeout(Duration.ofMillis(300))
                            .build())
                    .build();
            List<ChatResponse> chunks = Collections.synchronizedList(new ArrayList<>());
            assertThatThrownBy(() -> m.stream(new Prompt("hello"))
                            .doOnNext(c -> {
                                chunks.add(c);
                                sleep(40);
                            })
                            .blockLast(WAIT))
                    .isInstanceOfSatisfying(RasdTimeoutException.class, ex -> {
                        assertThat(ex.partialResult().tokens().length).isLessThan(200);
                        assertThat(joined(chunks))
                                .as("the partial result holds exactly what was delivered")
                                .isEqualTo(ex.partialResult().text());
                    });
            assertThat(chunks).isNotEmpty();
            awaitIdle(e, 10);
            Prompt instant = new Prompt(
                    "hello",
                    RasdSpringAiChatOptions.builder()
                            .timeout(Duration.ofNanos(1))
                            .build());
            assertThatThrownBy(() -> m.call(instant)).isInstanceOf(RasdTimeoutException.class);
            assertThat(e.runningGenerations()).isZero();
        } finally {
            target.close();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
