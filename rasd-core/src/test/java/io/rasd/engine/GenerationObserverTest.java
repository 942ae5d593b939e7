package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Observers see every generation with its timings, every step's committed tokens, and failures. */
class GenerationObserverTest {

    private static final int[] PROMPT = {1, 40, 41, 42, 43, 40, 41, 42};
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

    private static RasdEngine engine() {
        return RasdEngine.builder()
                .target(model)
                .tokenizer(tokenizer)
                .draft(model)
                .speculation(SpeculationConfig.builder().adaptive(false).build())
                .build();
    }

    private static final class Recorder implements GenerationObserver {
        final List<GenerationEvent> events = new CopyOnWriteArrayList<>();
        final AtomicInteger steps = new AtomicInteger();
        final AtomicInteger committed = new AtomicInteger();
        final AtomicInteger speculated = new AtomicInteger();

        @Override
        public void onStep(DecodingMode mode, int committedTokens, boolean spec) {
            steps.incrementAndGet();
            committed.addAndGet(committedTokens);
            speculated.addAndGet(spec ? 1 : 0);
        }

        @Override
        public void onGeneration(GenerationEvent event) {
            events.add(event);
        }
    }

    @Test
    void aSuccessfulGenerationReportsItsResultTimingsAndEveryStep() throws Exception {
        Recorder recorder = new Recorder();
        try (RasdEngine engine = engine();
                AutoCloseable handle = engine.addObserver(recorder)) {
            GenerationRequest request =
                    new GenerationRequest(PROMPT, 12, DecodingMode.DRAFT, SamplingParams.GREEDY, null, List.of());
            GenerationResult result = engine.generate(request);

            assertThat(recorder.events).hasSize(1);
            GenerationEvent e = recorder.events.get(0);
            assertThat(e.succeeded()).isTrue();
            assertThat(e.result().tokens()).containsExactly(result.tokens());
            assertThat(e.request()).isSameAs(request);
            assertThat(e.model()).isEqualTo(engine.modelName()).isEqualTo("llama-gqa-f32");
            assertThat(e.queueSeconds()).isGreaterThanOrEqualTo(0);
            assertThat(e.firstTokenSeconds()).isGreaterThan(0).isLessThanOrEqualTo(e.totalSeconds());
            assertThat(recorder.steps.get()).isEqualTo(result.stats().targetForwards());
            assertThat(recorder.speculated.get()).isEqualTo(result.stats().targetForwards());
            // a stop inside a step commits fewer tokens than the step verified
            assertThat(recorder.committed.get()).isGreaterThanOrEqualTo(result.tokens().length);
        }
    }

    @Test
    void plainDecodingStepsCommitOneTokenAndAreNotSpeculated() throws Exception {
        Recorder recorder = new Recorder();
        try (RasdEngine engine = engine();
                AutoCloseable handle = engine.addObserver(recorder)) {
            GenerationResult result = engine.generate(GenerationRequest.greedy(PROMPT, 6));
            assertThat(recorder.steps.get()).isEqualTo(result.tokens().length);
            assertThat(recorder.committed.get()).isEqualTo(result.tokens().length);
            assertThat(recorder.speculated.get()).isZero();
        }
    }

    @Test
    void aRejectedRequestIsReportedAsAFailureAndStillThrown() throws Exception {
        Recorder recorder = new Recorder();
        try (RasdEngine engine = engine();
                AutoCloseable handle = engine.addObserver(recorder)) {
            GenerationRequest bad = GenerationRequest.greedy(new int[] {1, 1_000_000}, 4);
            assertThatThrownBy(() -> engine.generate(bad)).isInstanceOf(RasdException.class);
            assertThat(recorder.events).singleElement().satisfies(e -> {
                assertThat(e.succeeded()).isFalse();
                assertThat(e.result()).isNull();
                assertThat(e.failure()).isInstanceOf(RasdException.class).hasMessageContaining("vocabulary");
                assertThat(e.firstTokenSeconds()).isNaN();
            });
        }
    }

    @Test
    void aThrowingObserverDoesNotBreakTheGenerationOrOtherObservers() throws Exception {
        Recorder recorder = new Recorder();
        GenerationObserver broken = new GenerationObserver() {
            @Override
            public void onStep(DecodingMode mode, int committedTokens, boolean speculated) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void onGeneration(GenerationEvent event) {
                throw new IllegalStateException("boom");
            }
        };
        try (RasdEngine engine = engine();
                AutoCloseable a = engine.addObserver(broken);
                AutoCloseable b = engine.addObserver(recorder)) {
            GenerationResult expected;
            try (RasdEngine plain = engine()) {
                expected = plain.generate(GenerationRequest.greedy(PROMPT, 6));
            }
            assertThat(engine.generate(GenerationRequest.greedy(PROMPT, 6)).tokens())
                    .containsExactly(expected.tokens());
            assertThat(recorder.events).hasSize(1);
        }
    }

    @Test
    void aRemovedObserverHearsNothingMore() throws Exception {
        Recorder recorder = new Recorder();
        try (RasdEngine engine = engine()) {
            AutoCloseable handle = engine.addObserver(recorder);
            engine.generate(GenerationRequest.greedy(PROMPT, 3));
            handle.close();
            engine.generate(GenerationRequest.greedy(PROMPT, 3));
            assertThat(recorder.events).hasSize(1);
        }
    }
}
