package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.RasdTimeoutException;
import io.rasd.engine.Reservation;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RasdStreamingChatModelTest {

    private static final String QUESTION = "How do I read a file line by line in Python?";
    private static RasdEngine engine;
    private static RasdStreamingChatModel streaming;
    private static RasdChatModel sync;

    @BeforeAll
    static void setUp() {
        engine = DemoModels.engine();
        streaming = RasdStreamingChatModel.builder()
                .engine(engine)
                .maxOutputTokens(60)
                .build();
        sync = RasdChatModel.builder().engine(engine).maxOutputTokens(60).build();
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    /** Collects every callback; completes when the stream ends either way. */
    static final class Recorder implements StreamingChatResponseHandler {
        final List<String> partials = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        BiConsumer<PartialResponse, PartialResponseContext> onPartial = (p, c) -> {};
        /** An error of this type is the handler's own (thrown on purpose): the stream goes on after it. */
        Class<? extends Throwable> expectedHandlerError;

        volatile int completes;

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            threads.add(Thread.currentThread().getName());
            partials.add(partial.text());
            onPartial.accept(partial, context);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            completes++;
            done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            errors.add(error);
            if (expectedHandlerError == null || !expectedHandlerError.isInstance(error)) {
                done.completeExceptionally(error);
            }
        }

        ChatResponse await() throws Exception {
            return done.get(120, TimeUnit.SECONDS);
        }

        Throwable awaitError() {
            try {
                done.get(120, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            } catch (Exception e) {
                throw new AssertionError("the stream neither failed nor completed", e);
            }
            throw new AssertionError("the stream completed; an error was expected");
        }
    }

    /** A slot reserved ahead (as an HTTP server does before its response starts) is taken over and given back. */
    @Test
    void aReservedSlotIsTakenOverAndGivenBackOnCompletionAndOnFailure() throws Exception {
        ChatRequest request = ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .parameters(RasdChatRequestParameters.builder()
                        .mode(DecodingMode.AR)
                        .maxOutputTokens(5)
                        .build())
                .build();
        int before = engine.runningGenerations();
        Reservation reservation = engine.reserve();
        assertThat(reservation.holdsSlot()).isTrue();
        Recorder r = new Recorder();
        streaming.chat(request, reservation, r);
        assertThat(reservation.isHeld())
                .as("taken over by the time chat returns")
                .isFalse();
        reservation.close(); // a caller's close in a finally: nothing left to give back
        assertThat(r.await().aiMessage().text()).isNotEmpty();
        assertThat(r.errors).isEmpty();
        waitForRunning(before);

        // a request that fails before it starts gives the slot back too
        Reservation failing = engine.reserve();
        Recorder bad = new Recorder();
        streaming.chat(
                ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .parameters(ChatRequestParameters.builder()
                                .temperature(-1.0)
                                .build())
                        .build(),
                failing,
                bad);
        assertThat(bad.awaitError()).isNotNull();
        assertThat(failing.isHeld()).isFalse();
        waitForRunning(before);
    }

    private static void waitForRunning(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (engine.runningGenerations() != expected) {
            assertThat(System.nanoTime()).as("slot given back").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void partialsConcatenateToTheAnswerTheBlockingModelGivesInEveryMode() throws Exception {
        for (DecodingMode mode : List.of(DecodingMode.AR, DecodingMode.RASD_PLD, DecodingMode.RASD)) {
            ChatRequest request = ChatRequest.builder()
                    .messages(UserMessage.from(QUESTION))
                    .parameters(RasdChatRequestParameters.builder().mode(mode).build())
                    .build();
            Recorder r = new Recorder();
            streaming.chat(request, r);
            ChatResponse response = r.await();
            assertThat(String.join("", r.partials))
                    .isEqualTo(response.aiMessage().text());
            assertThat(response.aiMessage().text())
                    .isEqualTo(sync.chat(request).aiMessage().text());
            assertThat(r.partials).allSatisfy(p -> assertThat(p).isNotEmpty());
            assertThat(r.threads).allSatisfy(t -> assertThat(t).startsWith("rasd-generation-"));
            assertThat(response.metadata()).isInstanceOf(RasdChatResponseMetadata.class);
            assertThat(response.tokenUsage().outputTokenCount()).isPositive();
            assertThat(r.errors).isEmpty();
        }
    }

    /** A recorder that also hears each token's origin. */
    static final class OriginRecorder implements RasdStreamingChatResponseHandler {
        final Recorder inner = new Recorder();
        final List<io.rasd.tree.TokenOrigin> origins = Collections.synchronizedList(new ArrayList<>());
        final StringBuilder tokenText = new StringBuilder();

        @Override
        public void onToken(int token, io.rasd.tree.TokenOrigin origin, String text, PartialResponseContext c) {
            origins.add(origin);
            tokenText.append(text);
        }

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            inner.onPartialResponse(partial, context);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            inner.onCompleteResponse(response);
        }

        @Override
        public void onError(Throwable error) {
            inner.onError(error);
        }
    }

    @Test
    void aRasdHandlerHearsTheOriginOfEveryTokenAndTheSameText() throws Exception {
        ChatRequest request = ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .parameters(RasdChatRequestParameters.builder()
                        .mode(DecodingMode.RASD_PLD)
                        .build())
                .build();
        OriginRecorder r = new OriginRecorder();
        streaming.chat(request, r);
        ChatResponse response = r.inner.await();
        RasdChatResponseMetadata meta = (RasdChatResponseMetadata) response.metadata();
        assertThat(r.origins).hasSize(meta.stats().generatedTokens());
        for (io.rasd.tree.TokenOrigin origin : io.rasd.tree.TokenOrigin.values()) {
            assertThat(r.origins.stream().filter(o -> o == origin).count())
                    .as(origin.name())
                    .isEqualTo(meta.acceptedTokens(origin));
        }
        assertThat(r.origins).contains(io.rasd.tree.TokenOrigin.TARGET);
        assertThat(r.tokenText.toString())
                .isEqualTo(String.join("", r.inner.partials))
                .isEqualTo(response.aiMessage().text());
    }

    @Test
    void partialsAreWholeCharactersEvenWhenTokensSplitThem() throws Exception {
        // a random-init model over a byte-level tokenizer emits tokens that are pieces of UTF-8 characters
        try (CausalLm random = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
                RasdEngine e =
                        RasdEngine.builder().target(random).tokenizer(tok).build()) {
            RasdStreamingChatModel m = RasdStreamingChatModel.builder()
                    .engine(e)
                    .maxOutputTokens(200)
                    .chatTemplate(ChatTemplate.of(ChatTemplate.CHATML, Map.of()))
                    .build();
            int multiByte = 0;
            for (long seed = 1; seed <= 4; seed++) {
                Recorder r = new Recorder();
                m.chat(
                        ChatRequest.builder()
                                .messages(UserMessage.from("héllo wörld ✓ 🎉"))
                                .parameters(RasdChatRequestParameters.builder()
                                        .temperature(1.0)
                                        .seed(seed)
                                        .build())
                                .build(),
                        r);
                ChatResponse response = r.await();
                assertThat(String.join("", r.partials))
                        .isEqualTo(response.aiMessage().text());
                for (String p : r.partials) {
                    assertThat(Character.isLowSurrogate(p.charAt(0)))
                            .as("partial starts mid-pair: %s", p)
                            .isFalse();
                    assertThat(Character.isHighSurrogate(p.charAt(p.length() - 1)))
                            .as("ends mid-pair")
                            .isFalse();
                    multiByte += p.codePoints().filter(cp -> cp > 0x7f).count();
                }
            }
            assertThat(multiByte).as("the random model produced non-ASCII text").isPositive();
        }
    }

    @Test
    void aStreamNeverShowsAStopSequenceNorItsStart() throws Exception {
        String full = sync.chat(QUESTION);
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        int cut = full.indexOf(stop);
        Recorder r = new Recorder();
        streaming.chat(
                ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .parameters(ChatRequestParameters.builder()
                                .stopSequences(stop)
                                .build())
                        .build(),
                r);
        ChatResponse response = r.await();
        assertThat(response.aiMessage().text()).isEqualTo(full.substring(0, cut));
        assertThat(String.join("", r.partials)).isEqualTo(full.substring(0, cut));
        assertThat(response.finishReason()).isEqualTo(dev.langchain4j.model.output.FinishReason.STOP);
    }

    @Test
    void cancellingFromThePartialResponseStopsTheGenerationAndFreesTheEngine() throws Exception {
        RasdStreamingChatModel longer = RasdStreamingChatModel.builder()
                .engine(engine)
                .maxOutputTokens(400)
                .build();
        Recorder r = new Recorder();
        r.onPartial = (p, ctx) -> {
            if (r.partials.size() == 3) {
                ctx.streamingHandle().cancel();
                assertThat(ctx.streamingHandle().isCancelled()).isTrue();
            }
        };
        longer.chat(ChatRequest.builder().messages(UserMessage.from(QUESTION)).build(), r);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (r.partials.size() < 3 || engine.runningGenerations() > 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
        Thread.sleep(200);
        assertThat(r.partials).hasSize(3);
        assertThat(r.completes).isZero();
        assertThat(r.errors).isEmpty();
        assertThat(engine.runningGenerations()).isZero();
        // the engine serves the next request normally
        Recorder next = new Recorder();
        streaming.chat(QUESTION, next);
        assertThat(next.await().aiMessage().text()).isEqualTo(sync.chat(QUESTION));
    }

    @Test
    void repeatedChatsStreamsAndCancellationsLeaveNoArraysBehind() throws Exception {
        sync.chat(QUESTION); // warm-up: lazily created state
        int target = DemoModels.TARGET.liveWeightArrays();
        int draft = DemoModels.DRAFT.liveWeightArrays();
        for (int i = 0; i < 6; i++) {
            sync.chat(ChatRequest.builder()
                    .messages(UserMessage.from(QUESTION + " " + i))
                    .parameters(RasdChatRequestParameters.builder()
                            .mode(DecodingMode.values()[i % 7])
                            .build())
                    .build());
            Recorder r = new Recorder();
            r.onPartial = (p, ctx) -> {
                if (r.partials.size() == 2) {
                    ctx.streamingHandle().cancel();
                }
            };
            streaming.chat(QUESTION + " " + i, r);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (r.partials.size() < 2 || engine.runningGenerations() > 0) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(5);
            }
        }
        assertThat(DemoModels.TARGET.liveWeightArrays()).isEqualTo(target);
        assertThat(DemoModels.DRAFT.liveWeightArrays()).isEqualTo(draft);
    }

    @Test
    void badRequestsReachOnErrorInsteadOfBeingThrown() throws Exception {
        Recorder invalid = new Recorder();
        streaming.chat(
                ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .parameters(ChatRequestParameters.builder()
                                .temperature(-1.0)
                                .build())
                        .build(),
                invalid);
        assertThat(invalid.awaitError())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("temperature");

        Recorder unsupported = new Recorder();
        streaming.chat(
                ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .parameters(ChatRequestParameters.builder()
                                .presencePenalty(1.0)
                                .build())
                        .build(),
                unsupported);
        assertThat(unsupported.awaitError())
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("presencePenalty");

        Recorder blank = new Recorder();
        streaming.chat(ChatRequest.builder().messages(UserMessage.from("  ")).build(), blank);
        assertThat(blank.awaitError())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("messages[0] (user) is whitespace only");

        Recorder stops = new Recorder();
        streaming.chat(
                ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .parameters(ChatRequestParameters.builder()
                                .stopSequences("x".repeat(5000))
                                .build())
                        .build(),
                stops);
        assertThat(stops.awaitError())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("stopSequences[0] has 5000 chars");

        Recorder tooLong = new Recorder();
        streaming.chat("word ".repeat(engine.target().contextLimit() + 10), tooLong);
        assertThat(tooLong.awaitError())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("context window");
    }

    @Test
    void anExceptionInTheHandlerIsReportedAndTheStreamCarriesOn() throws Exception {
        Recorder r = new Recorder();
        r.expectedHandlerError = IllegalStateException.class;
        r.onPartial = (p, ctx) -> {
            if (r.partials.size() == 2) {
                throw new IllegalStateException("handler bug");
            }
        };
        streaming.chat(QUESTION, r);
        ChatResponse response = r.await();
        assertThat(r.errors).singleElement().isInstanceOf(IllegalStateException.class);
        assertThat(response.aiMessage().text()).isEqualTo(sync.chat(QUESTION));
    }

    @Test
    void anEngineThatFailsMidStreamReportsToOnError() throws Exception {
        CausalLm closing = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
        Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
        try (RasdEngine e = RasdEngine.builder().target(closing).tokenizer(tok).build()) {
            RasdStreamingChatModel m = RasdStreamingChatModel.builder()
                    .engine(e)
                    .maxOutputTokens(300)
                    .chatTemplate(ChatTemplate.of(ChatTemplate.CHATML, Map.of()))
                    .build();
            Recorder r = new Recorder();
            r.onPartial = (p, ctx) -> {
                if (r.partials.size() == 2) {
                    closing.close(); // the model's weights are gone: the next forward fails
                }
            };
            m.chat("hello", r);
            Throwable error = r.awaitError();
            assertThat(error).isNotNull();
            assertThat(r.errors).containsExactly(error);
            assertThat(r.completes).isZero();
            assertThat(e.runningGenerations()).isZero();
        } finally {
            tok.close();
        }
    }

    /** The stream is slowed by its handler, so the timeout always passes mid-stream; nothing asserts a duration. */
    @Test
    void aStreamPastItsTimeoutKeepsWhatItDeliveredThenGetsATimeoutErrorAndFreesTheEngine() throws Exception {
        CausalLm target = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
        Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
        try (RasdEngine e = RasdEngine.builder().target(target).tokenizer(tok).build()) {
            RasdStreamingChatModel m = RasdStreamingChatModel.builder()
                    .engine(e)
                    .maxOutputTokens(200)
                    .chatTemplate(ChatTemplate.of(ChatTemplate.CHATML, Map.of()))
                    .timeout(Duration.ofMillis(300))
                    .build();
            Recorder r = new Recorder();
            r.onPartial = (p, ctx) -> sleep(40);
            m.chat("hello", r);
            Throwable error = r.awaitError();
            assertThat(error).isInstanceOf(TimeoutException.class);
            assertThat(r.errors).containsExactly(error);
            assertThat(r.completes).isZero();
            assertThat(r.partials).isNotEmpty();
            RasdTimeoutException cause = (RasdTimeoutException) error.getCause();
            assertThat(String.join("", r.partials))
                    .as("the partial result holds exactly what was delivered")
                    .isEqualTo(cause.partialResult().text());
            assertThat(cause.partialResult().tokens().length).isLessThan(200);
            assertThat(e.runningGenerations()).isZero();
        } finally {
            target.close();
            tok.close();
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
