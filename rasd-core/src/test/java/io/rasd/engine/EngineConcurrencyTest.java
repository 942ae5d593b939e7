package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine's concurrency policy: bounded slots, a bounded FIFO queue, clear refusal, cancellation, timeouts. */
class EngineConcurrencyTest {

    private static final int[] PROMPT = {1, 40, 41, 42, 43};
    private static CausalLm model;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        model = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
        tokenizer = Tokenizer.load(TestData.hf("tokenizer"));
    }

    @AfterAll
    static void close() {
        model.close();
        tokenizer.close();
    }

    private static RasdEngine.Builder engine() {
        return RasdEngine.builder()
                .target(model)
                .tokenizer(tokenizer)
                .draft(model)
                .speculation(SpeculationConfig.builder().adaptive(false).build());
    }

    private static GenerationRequest request(int tokens) {
        return GenerationRequest.greedy(PROMPT, tokens);
    }

    @Test
    void aCallBeyondTheQueueIsRefusedAtOnceAndTheQueuedOneStillRuns() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RasdEngine engine =
                engine().maxConcurrentGenerations(1).maxQueuedGenerations(1).build()) {
            CountDownLatch release = new CountDownLatch(1);
            Future<GenerationResult> first = occupySlot(engine, pool, 5, release);
            Future<GenerationResult> queued = pool.submit(() -> engine.generate(request(5)));
            waitUntil(() -> engine.queuedGenerations() == 1);

            long t0 = System.nanoTime();
            assertThatThrownBy(() -> engine.generate(request(5)))
                    .isInstanceOf(RasdBusyException.class)
                    .hasMessageContaining("at capacity")
                    .hasMessageContaining("maxQueuedGenerations=1");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));

            release.countDown();
            assertThat(first.get(60, TimeUnit.SECONDS).tokens()).hasSize(5);
            assertThat(queued.get(60, TimeUnit.SECONDS).tokens()).hasSize(5);
            assertThat(engine.runningGenerations()).isZero();
            assertThat(engine.queuedGenerations()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aQueuedCallGivesUpAfterTheQueueTimeout() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (RasdEngine engine = engine().queueTimeout(Duration.ofMillis(200)).build()) {
            CountDownLatch release = new CountDownLatch(1);
            Future<GenerationResult> first = occupySlot(engine, pool, 3, release);
            assertThatThrownBy(() -> engine.generate(request(3)))
                    .isInstanceOf(RasdBusyException.class)
                    .hasMessageContaining("queueTimeout");
            release.countDown();
            first.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cancellingFromTheListenerEndsTheGenerationAndFreesTheSlot() {
        try (RasdEngine engine = engine().build()) {
            for (DecodingMode mode : List.of(DecodingMode.AR, DecodingMode.DRAFT, DecodingMode.PLD)) {
                Cancellation cancel = new Cancellation();
                int[] seen = {0};
                GenerationResult r = engine.generate(
                        new GenerationRequest(PROMPT, 200, mode, SamplingParams.GREEDY, null, List.of()),
                        (t, o, s) -> {
                            if (++seen[0] == 3) {
                                cancel.cancel();
                            }
                        },
                        cancel);
                assertThat(r.finishReason()).as(mode.cliName()).isEqualTo(FinishReason.CANCELLED);
                assertThat(r.tokens()).as(mode.cliName()).hasSize(3);
                assertThat(engine.runningGenerations()).isZero();
            }
            assertThat(engine.generate(request(4)).tokens()).hasSize(4);
        }
    }

    @Test
    void cancellingAQueuedCallTakesItOutOfTheQueueWithoutGenerating() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RasdEngine engine = engine().build()) {
            CountDownLatch release = new CountDownLatch(1);
            Future<GenerationResult> first = occupySlot(engine, pool, 3, release);
            Cancellation cancel = new Cancellation();
            Future<GenerationResult> queued =
                    pool.submit(() -> engine.generate(request(3), GenerationListener.NONE, cancel));
            waitUntil(() -> engine.queuedGenerations() == 1);
            cancel.cancel();
            GenerationResult r = queued.get(10, TimeUnit.SECONDS);
            assertThat(r.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(r.tokens()).isEmpty();
            assertThat(engine.queuedGenerations()).isZero();
            release.countDown();
            first.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCallersGetWhatASingleCallerGets() throws Exception {
        try (RasdEngine engine = engine().maxConcurrentGenerations(3).build()) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                requests.add(new GenerationRequest(
                        new int[] {1, 50 + i, 60 + i, 70},
                        24,
                        new DecodingMode[] {DecodingMode.AR, DecodingMode.DRAFT, DecodingMode.PLD}[i % 3],
                        SamplingParams.GREEDY,
                        null,
                        List.of()));
            }
            List<int[]> alone = new ArrayList<>();
            for (GenerationRequest r : requests) {
                alone.add(engine.generate(GenerationRequest.greedy(r.promptTokens(), r.maxNewTokens()))
                        .tokens());
            }
            List<CompletableFuture<int[]>> together = new ArrayList<>();
            for (GenerationRequest r : requests) {
                together.add(
                        CompletableFuture.supplyAsync(() -> engine.generate(r).tokens()));
            }
            for (int i = 0; i < requests.size(); i++) {
                assertThat(together.get(i).get(120, TimeUnit.SECONDS))
                        .as("request %d", i)
                        .isEqualTo(alone.get(i));
            }
        }
    }

    @Test
    void aRequestsOwnSpeculationSettingsReplaceTheEnginesForThatRequestOnly() {
        try (RasdEngine engine = engine().build()) {
            SpeculationConfig tiny = SpeculationConfig.builder()
                    .adaptive(false)
                    .treeBudget(1)
                    .draftDepth(1)
                    .draftBudget(1)
                    .build();
            GenerationResult small = engine.generate(new GenerationRequest(
                    PROMPT, 20, DecodingMode.DRAFT, SamplingParams.GREEDY, null, List.of(), tiny));
            GenerationResult normal = engine.generate(
                    new GenerationRequest(PROMPT, 20, DecodingMode.DRAFT, SamplingParams.GREEDY, null, List.of()));
            assertThat(small.stats().meanTreeNodes()).isLessThanOrEqualTo(1.0);
            assertThat(normal.stats().meanTreeNodes()).isGreaterThan(1.0);
            assertThat(small.tokens()).isEqualTo(normal.tokens());
        }
    }

    @Test
    void aReservationIsHandedToItsGenerationAndGivenBackOnEveryPath() {
        try (RasdEngine engine =
                engine().maxConcurrentGenerations(1).maxQueuedGenerations(0).build()) {
            Reservation reservation = engine.reserve();
            assertThat(reservation.holdsSlot()).isTrue();
            assertThat(engine.runningGenerations()).isEqualTo(1);
            assertThatThrownBy(engine::reserve).isInstanceOf(RasdBusyException.class);

            GenerationResult result =
                    engine.generate(request(4), GenerationListener.NONE, new Cancellation(), reservation);
            assertThat(result.tokens()).hasSize(4);
            assertThat(reservation.isHeld()).as("handed over").isFalse();
            assertThat(engine.runningGenerations()).as("given back once").isZero();
            reservation.close(); // nothing left to give back: no double release
            assertThat(engine.runningGenerations()).isZero();
            assertThatThrownBy(
                            () -> engine.generate(request(4), GenerationListener.NONE, new Cancellation(), reservation))
                    .isInstanceOf(IllegalStateException.class);

            // a generation that fails before it starts still gives its slot back
            Reservation failing = engine.reserve();
            assertThatThrownBy(() -> engine.generate(
                            GenerationRequest.greedy(new int[] {1, 1_000_000}, 4),
                            GenerationListener.NONE,
                            new Cancellation(),
                            failing))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("outside the vocabulary");
            assertThat(engine.runningGenerations()).isZero();

            // ... and so does one whose listener throws
            Reservation throwing = engine.reserve();
            assertThatThrownBy(() -> engine.generate(
                            request(4),
                            (t, o, s) -> {
                                throw new IllegalStateException("listener failed");
                            },
                            new Cancellation(),
                            throwing))
                    .hasMessageContaining("listener failed");
            assertThat(engine.runningGenerations()).isZero();

            // an unused reservation is given back by close
            engine.reserve().close();
            assertThat(engine.runningGenerations()).isZero();
            assertThat(engine.generate(request(2)).tokens()).hasSize(2);
        }
    }

    @Test
    void invalidLimitsAreRejectedWithTheirNames() {
        assertThatThrownBy(() -> engine().maxConcurrentGenerations(0).build())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("maxConcurrentGenerations");
        assertThatThrownBy(() -> engine().maxQueuedGenerations(-1).build())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("maxQueuedGenerations");
        assertThatThrownBy(() -> engine().queueTimeout(Duration.ZERO).build())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("queueTimeout");
    }

    /** Starts a generation that holds its slot (inside its first callback) until {@code release}; returns once it runs. */
    private static Future<GenerationResult> occupySlot(
            RasdEngine engine, ExecutorService pool, int tokens, CountDownLatch release) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        Future<GenerationResult> first = pool.submit(() -> engine.generate(request(tokens), (t, o, s) -> {
            running.countDown();
            await(release);
        }));
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        return first;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached in 30 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    // --- timeouts: a listener that sleeps slows generation, so the deadline always falls mid-generation whatever the
    // machine's speed; nothing asserts a duration

    private static final int TIMED_TOKENS = 60;

    private static RasdEngine timeoutEngine() {
        return engine().maxConcurrentGenerations(1).maxQueuedGenerations(1).build();
    }

    private static GenerationRequest timed(DecodingMode mode, Duration timeout) {
        return GenerationRequest.builder(PROMPT)
                .maxNewTokens(TIMED_TOKENS)
                .mode(mode)
                .timeout(timeout)
                .build();
    }

    @Test
    void aTimeoutMidGenerationStopsItKeepsWhatWasStreamedAndFreesTheSlot() {
        try (RasdEngine engine = timeoutEngine()) {
            for (DecodingMode mode : List.of(DecodingMode.AR, DecodingMode.DRAFT, DecodingMode.PLD)) {
                GenerationResult full = engine.generate(timed(mode, null));
                assertThat(full.tokens())
                        .as("the fixture generates its whole budget")
                        .hasSize(TIMED_TOKENS);

                List<Integer> streamed = new ArrayList<>();
                StringBuilder streamedText = new StringBuilder();
                GenerationListener slow = (tokens, origins, text) -> {
                    Arrays.stream(tokens).forEach(streamed::add);
                    streamedText.append(text);
                    sleep(40); // 60 tokens take >= 2.4 s: far past the 300 ms timeout
                };
                assertThatThrownBy(() -> engine.generate(timed(mode, Duration.ofMillis(300)), slow, new Cancellation()))
                        .as(mode.cliName())
                        .isInstanceOfSatisfying(RasdTimeoutException.class, e -> {
                            assertThat(e).hasMessageContaining("timeout of 300 ms");
                            GenerationResult partial = e.partialResult();
                            assertThat(partial.finishReason()).isEqualTo(FinishReason.TIMEOUT);
                            int n = partial.tokens().length;
                            assertThat(n).isPositive().isLessThan(TIMED_TOKENS);
                            // what it streamed stays: the partial result is exactly the streamed prefix of the answer
                            assertThat(streamed).containsExactlyElementsOf(box(partial.tokens()));
                            assertThat(partial.tokens()).isEqualTo(Arrays.copyOf(full.tokens(), n));
                            assertThat(partial.text()).isEqualTo(streamedText.toString());
                            assertThat(partial.stats().generatedTokens()).isEqualTo(n);
                        });
                assertThat(engine.runningGenerations()).as("slot freed").isZero();
                assertThat(engine.generate(timed(mode, Duration.ofMinutes(5))).tokens())
                        .as("a following request is admitted and a timeout it does not reach changes nothing")
                        .isEqualTo(full.tokens());
            }
        }
    }

    @Test
    void aTimeoutThatPassesInTheQueueTakesTheRequestOutWithNothingGenerated() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (RasdEngine engine = timeoutEngine()) {
            CountDownLatch release = new CountDownLatch(1);
            Future<GenerationResult> first = occupySlot(engine, pool, 3, release);
            assertThatThrownBy(() -> engine.generate(timed(DecodingMode.AR, Duration.ofMillis(100))))
                    .isInstanceOfSatisfying(RasdTimeoutException.class, e -> {
                        assertThat(e).hasMessageContaining("waited for a generation slot");
                        assertThat(e.partialResult().tokens()).isEmpty();
                        assertThat(e.partialResult().finishReason()).isEqualTo(FinishReason.TIMEOUT);
                    });
            assertThat(engine.queuedGenerations()).isZero();
            release.countDown();
            assertThat(first.get(60, TimeUnit.SECONDS).tokens()).hasSize(3);
            assertThat(engine.runningGenerations()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReservationsWaitEndsWithATimeoutErrorBeforeAnythingStarts() {
        try (RasdEngine engine = timeoutEngine()) {
            Reservation slot = engine.reserve();
            Reservation queued = engine.reserve();
            assertThatThrownBy(() -> queued.awaitSlot(new Cancellation(), Duration.ofMillis(50)))
                    .isInstanceOf(RasdTimeoutException.class);
            assertThat(queued.isHeld()).isFalse();
            assertThat(engine.queuedGenerations()).isZero();
            slot.close();
            assertThat(engine.runningGenerations()).isZero();
        }
    }

    @Test
    void aTimeoutMustBePositive() {
        for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-1))) {
            assertThatThrownBy(
                            () -> GenerationRequest.builder(PROMPT).timeout(bad).build())
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("timeout must be positive");
        }
        assertThat(new GenerationRequest(PROMPT, 4, DecodingMode.AR, SamplingParams.GREEDY, null, List.of()).timeout())
                .isNull();
    }

    private static List<Integer> box(int[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
