package io.rasd.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.PrefixCache;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The engine, models, tokenizer and datastore from {@code rasd.*} properties, and every way start-up can fail. */
class RasdAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class))
            .withPropertyValues(Demo.PROPERTIES);

    @TempDir
    Path tmp;

    @Test
    void anEngineWithTargetDraftTokenizerAndDatastoreComesFromTheProperties() {
        runner.withPropertyValues(
                        "rasd.concurrency.max-queued-generations=3",
                        "rasd.concurrency.max-concurrent-generations=2",
                        "rasd.concurrency.queue-timeout=30s",
                        "rasd.speculation.tree-budget=9",
                        "rasd.speculation.draft-depth=4",
                        "rasd.speculation.draft-top-k=2",
                        "rasd.speculation.draft-budget=7",
                        "rasd.speculation.prune-top-k=5",
                        "rasd.speculation.retrieval-budget=6")
                .run(context -> {
                    assertThat(context)
                            .hasNotFailed()
                            .hasSingleBean(RasdEngine.class)
                            .hasSingleBean(RasdModels.class)
                            .hasSingleBean(Tokenizer.class)
                            .hasSingleBean(TokenDatastore.class);
                    RasdEngine engine = context.getBean(RasdEngine.class);
                    assertThat(engine.target().directory()).isEqualTo(Demo.TARGET);
                    assertThat(engine.draft().directory()).isEqualTo(Demo.DRAFT);
                    assertThat(engine.datastore()).isSameAs(context.getBean(TokenDatastore.class));
                    assertThat(engine.maxQueuedGenerations()).isEqualTo(3);
                    assertThat(engine.maxConcurrentGenerations()).isEqualTo(2);
                    SpeculationConfig spec = engine.speculation();
                    assertThat(List.of(
                                    spec.treeBudget(),
                                    spec.draftDepth(),
                                    spec.draftTopK(),
                                    spec.draftBudget(),
                                    spec.pruneTopK(),
                                    spec.retrievalBudget()))
                            .containsExactly(9, 4, 2, 7, 5, 6);
                    assertThat(engine.speculation().adaptive()).isFalse();
                    assertThat(engine.target().device().isGpu()).isFalse();
                    assertThat(engine.generate(GenerationRequest.greedy(
                                            engine.tokenizer().encode("def main", false), 4))
                                    .tokens())
                            .hasSize(4);
                });
    }

    @Test
    void anEagleHeadAtTheDraftPathBecomesTheEnginesDrafter() {
        java.nio.file.Path target = io.rasd.testing.TestData.hf("llama-gqa-f32");
        java.nio.file.Path head = io.rasd.testing.TestData.root().resolve("eagle/llama-gqa-f32-nobias");
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class))
                .withPropertyValues(
                        "rasd.target.path=" + target, "rasd.draft.path=" + head, "rasd.device=cpu", "rasd.mode=draft")
                .run(context -> {
                    RasdEngine engine = context.getBean(RasdEngine.class);
                    assertThat(engine.drafter()).isInstanceOf(io.rasd.draft.eagle.EagleDrafter.class);
                    assertThat(engine.defaultMode()).isEqualTo(io.rasd.engine.DecodingMode.RASD);
                    int[] prompt = {0, 10, 20, 30, 10, 20};
                    int[] plain =
                            engine.generate(GenerationRequest.greedy(prompt, 8)).tokens();
                    int[] drafted = engine.generate(GenerationRequest.builder(prompt)
                                    .maxNewTokens(8)
                                    .mode(io.rasd.engine.DecodingMode.DRAFT)
                                    .build())
                            .tokens();
                    assertThat(drafted).containsExactly(plain);
                });
    }

    @Test
    void anEagleHeadForAnotherModelFailsStartUpNamingTheDraftPath() {
        java.nio.file.Path head = io.rasd.testing.TestData.root().resolve("eagle/llama-gqa-f32-nobias");
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class))
                .withPropertyValues("rasd.target.path=" + Demo.TARGET, "rasd.draft.path=" + head, "rasd.device=cpu")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("hidden_size");
                    assertThat(context.getStartupFailure()).hasStackTraceContaining("rasd.draft.path");
                });
    }

    @Test
    void theDraftModelIsOptional() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class))
                .withPropertyValues("rasd.target.path=" + Demo.TARGET, "rasd.device=cpu")
                .run(context ->
                        assertThat(context.getBean(RasdEngine.class).draft()).isNull());
    }

    @Test
    void everySpeculativeModeGivesTheSameGreedyOutputAsPlainDecoding() {
        runner.run(context -> {
            RasdEngine engine = context.getBean(RasdEngine.class);
            int[] prompt = engine.tokenizer().encode("def fibonacci(n):\n    ", false);
            int[] plain = engine.generate(
                            new GenerationRequest(prompt, 24, DecodingMode.AR, SamplingParams.GREEDY, null, List.of()))
                    .tokens();
            for (DecodingMode mode : DecodingMode.values()) {
                assertThat(engine.generate(
                                        new GenerationRequest(prompt, 24, mode, SamplingParams.GREEDY, null, List.of()))
                                .tokens())
                        .as(mode.cliName())
                        .containsExactly(plain);
            }
        });
    }

    @Test
    void rasdEnabledFalseConfiguresNothing() {
        runner.withPropertyValues("rasd.enabled=false")
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .doesNotHaveBean(RasdEngine.class)
                        .doesNotHaveBean(RasdModels.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnEngine {
        @Bean(destroyMethod = "close")
        RasdEngine myEngine() {
            return RasdEngine.builder()
                    .target(CausalLm.load(Demo.TARGET, ai.djl.Device.cpu(), 0))
                    .tokenizer(Tokenizer.load(Demo.TARGET))
                    .ownsModels(true)
                    .speculation(SpeculationConfig.builder().adaptive(false).build())
                    .build();
        }
    }

    @Test
    void anApplicationsOwnEngineReplacesEverythingAndNothingElseIsLoaded() {
        // no rasd.target.path: a user-defined engine must not need one
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class))
                .withUserConfiguration(OwnEngine.class)
                .run(context -> {
                    assertThat(context)
                            .hasNotFailed()
                            .hasSingleBean(RasdEngine.class)
                            .hasBean("myEngine")
                            .doesNotHaveBean(RasdModels.class)
                            .doesNotHaveBean(TokenDatastore.class);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnDatastore {
        @Bean
        TokenDatastore myDatastore() {
            return TokenDatastore.build(List.of(new int[] {5, 6, 7, 8}));
        }
    }

    @Test
    void anApplicationsOwnDatastoreIsTheOneTheEngineUses() {
        runner.withUserConfiguration(OwnDatastore.class).run(context -> {
            assertThat(context).hasSingleBean(TokenDatastore.class);
            assertThat(context.getBean(RasdEngine.class).datastore()).isSameAs(context.getBean("myDatastore"));
        });
    }

    // ---- the prefix KV cache ----

    @Test
    void aPrefixCacheFromThePropertiesServesRepeatedPrompts() {
        runner.withPropertyValues("rasd.prefix-cache.max-size=8MB", "rasd.prefix-cache.min-prefix-tokens=16")
                .run(context -> {
                    PrefixCache cache = context.getBean(PrefixCache.class);
                    RasdEngine engine = context.getBean(RasdEngine.class);
                    assertThat(engine.prefixCache()).isSameAs(cache);
                    assertThat(cache.maxBytes()).isEqualTo(8L * 1024 * 1024);
                    assertThat(cache.minPrefixTokens()).isEqualTo(16);
                    int[] prompt = engine.tokenizer()
                            .encode(
                                    "A long shared system prompt about Python, its"
                                            + " interpreter, its standard library and the way it manages memory. Question: ",
                                    false);
                    GenerationResult first = engine.generate(GenerationRequest.greedy(prompt, 6));
                    GenerationResult second = engine.generate(GenerationRequest.greedy(prompt, 6));
                    assertThat(first.stats().cachedPromptTokens()).isZero();
                    assertThat(second.stats().cachedPromptTokens()).isPositive();
                    assertThat(second.tokens()).containsExactly(first.tokens());
                    assertThat(cache.stats().hits()).isEqualTo(1);
                });
    }

    @Test
    void thePrefixCacheCanBeSwitchedOff() {
        runner.withPropertyValues("rasd.prefix-cache.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(PrefixCache.class);
            assertThat(context.getBean(RasdEngine.class).prefixCache()).isNull();
        });
    }

    @Test
    void prefixCacheLimitsOutOfRangeFailStartUp() {
        runner.withPropertyValues("rasd.prefix-cache.min-prefix-tokens=0")
                .run(context -> failsOn(context, "rasd.prefix-cache.min-prefix-tokens"));
        runner.withPropertyValues("rasd.prefix-cache.max-size=-1MB")
                .run(context -> failsOn(context, "rasd.prefix-cache.max-size"));
    }

    // ---- the datastore ----

    @Test
    void inputFilesAndFoldersAreIndexedAsOneDocumentPerFile() throws IOException {
        Path docs = Files.createDirectories(tmp.resolve("docs/sub"));
        Files.writeString(docs.resolve("a.txt"), "The quick brown fox jumps over the lazy dog.");
        Files.writeString(docs.getParent().resolve("b.md"), "Retrieval-augmented speculative decoding.");
        Files.writeString(docs.getParent().resolve(".hidden"), "skipped");
        Path single = Files.writeString(tmp.resolve("c.txt"), "def main(): pass");
        runner.withPropertyValues("rasd.datastore.inputs=" + docs.getParent() + "," + single)
                .run(context -> {
                    TokenDatastore store = context.getBean(TokenDatastore.class);
                    assertThat(store.documentCount()).isEqualTo(3);
                    assertThat(store.contains(single.toString())).isTrue();
                    assertThat(store.contains(docs.resolve("a.txt").toString())).isTrue();
                });
    }

    @Test
    void persistenceSavesPeriodicallyWhenTheDatastoreChangedSoACrashLosesLittle() throws Exception {
        Path file = tmp.resolve("periodic.rasd");
        runner.withPropertyValues(
                        "rasd.datastore.path=" + file,
                        "rasd.datastore.persist=true",
                        "rasd.datastore.persist-interval=200ms")
                .run(context -> {
                    RasdDatastorePersistence persistence = context.getBean(RasdDatastorePersistence.class);
                    assertThat(persistence.saveIfChanged())
                            .as("nothing changed yet")
                            .isFalse();
                    TokenDatastore store = context.getBean(TokenDatastore.class);
                    store.add("doc-1", context.getBean(Tokenizer.class).encode("saved without a shut-down", false));
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (!Files.exists(file) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(file).as("saved by the timer while running").isRegularFile();
                    // a copy taken now is what a crash would leave: it opens with the document
                    Path crashed = Files.copy(file, tmp.resolve("after-crash.rasd"));
                    try (TokenDatastore reopened = TokenDatastore.open(crashed, context.getBean(Tokenizer.class))) {
                        assertThat(reopened.contains("doc-1")).isTrue();
                    }
                });
        runner.withPropertyValues(
                        "rasd.datastore.path=" + file,
                        "rasd.datastore.persist=true",
                        "rasd.datastore.persist-interval=-1s")
                .run(context -> failsOn(context, "rasd.datastore.persist-interval", "negative"));
    }

    @Test
    void aDatastoreTokenLimitRefusesAdditionsBeyondIt() {
        runner.withPropertyValues("rasd.datastore.max-tokens=50").run(context -> {
            TokenDatastore store = context.getBean(TokenDatastore.class);
            assertThat(store.maxTokens()).isEqualTo(50);
            store.add("small", new int[] {1, 2, 3});
            assertThatThrownBy(() -> store.add("big", new int[100])).hasMessageContaining("limit of 50");
        });
        runner.withPropertyValues("rasd.datastore.max-tokens=0")
                .run(context -> failsOn(context, "rasd.datastore.max-tokens", ">= 1"));
    }

    @Test
    void aDatastoreFileIsOpenedAndPersistenceKeepsDocumentsAddedAtRunTime() {
        Path file = tmp.resolve("store.rasd");
        // first run: no file yet; persist creates it at shut-down with what was added while running
        runner.withPropertyValues("rasd.datastore.path=" + file, "rasd.datastore.persist=true")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RasdDatastorePersistence.class);
                    TokenDatastore store = context.getBean(TokenDatastore.class);
                    Tokenizer tokenizer = context.getBean(Tokenizer.class);
                    store.add("doc-1", tokenizer.encode("added at run time by RAG ingestion", false));
                    assertThat(file).doesNotExist();
                });
        assertThat(file).isRegularFile();
        // second run: the file opens with the document in it
        runner.withPropertyValues("rasd.datastore.path=" + file).run(context -> {
            TokenDatastore store = context.getBean(TokenDatastore.class);
            assertThat(store.contains("doc-1")).isTrue();
            assertThat(store.documentCount()).isEqualTo(1);
            assertThat(context).doesNotHaveBean(RasdDatastorePersistence.class);
        });
    }

    // ---- bad values: each fails start-up naming the property and what was found ----

    static void failsOn(AssertableApplicationContext context, String property, String... found) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        RasdConfigurationException e = findCause(failure);
        assertThat(e).as("a RasdConfigurationException in %s", failure).isNotNull();
        assertThat(e.property()).isEqualTo(property);
        FailureAnalysis analysis = new RasdConfigurationFailureAnalyzer().analyze(failure);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).contains("'" + property + "'");
        assertThat(analysis.getAction()).isNotBlank();
        for (String f : found) {
            assertThat(analysis.getDescription() + "\n" + analysis.getAction()).contains(f);
        }
    }

    private static RasdConfigurationException findCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RasdConfigurationException r) {
                return r;
            }
        }
        return null;
    }

    @Test
    void aMissingTargetPathFailsStartUpNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class))
                .run(context -> failsOn(context, "rasd.target.path", "is not set", "rasd.enabled=false"));
    }

    @Test
    void aTargetPathThatDoesNotExistFailsStartUp() {
        Path missing = tmp.resolve("no-such-model");
        runner.withPropertyValues("rasd.target.path=" + missing)
                .run(context -> failsOn(context, "rasd.target.path", "nothing exists at " + missing));
    }

    @Test
    void aTargetPathThatIsAFileFailsStartUp() throws IOException {
        Path file = Files.writeString(tmp.resolve("model.safetensors"), "x");
        runner.withPropertyValues("rasd.target.path=" + file)
                .run(context -> failsOn(context, "rasd.target.path", "is a file, not a directory"));
    }

    @Test
    void aDirectoryWithoutConfigJsonFailsStartUpListingWhatIsThere() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("not-a-model"));
        Files.writeString(dir.resolve("README.md"), "hello");
        runner.withPropertyValues("rasd.target.path=" + dir)
                .run(context -> failsOn(context, "rasd.target.path", "no config.json", "README.md"));
    }

    @Test
    void aCorruptCheckpointFailsStartUpWithTheLoadersReason() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("corrupt"));
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(Demo.TARGET.resolve(f), dir.resolve(f));
        }
        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        runner.withPropertyValues("rasd.target.path=" + dir)
                .run(context -> failsOn(context, "rasd.target.path", "the model cannot be loaded"));
    }

    @Test
    void checkWeightsFailsStartUpOnANaNNamingTheTensor() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nan-model"));
        try (var files = Files.list(Demo.TARGET)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        // the first value of the first tensor's data becomes a NaN (bf16 0x7FC0, f32 0x7FC00000: both start so)
        Path weights = dir.resolve("model.safetensors");
        try (var ch = java.nio.channels.FileChannel.open(
                weights, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long dataStart = 8 + len.flip().getLong();
            String header = new String(
                    Files.readAllBytes(weights), 8, (int) (dataStart - 8), java.nio.charset.StandardCharsets.UTF_8);
            boolean f32 = header.contains("\"F32\"") && !header.contains("\"BF16\"");
            byte[] nan = f32 ? new byte[] {0, 0, (byte) 0xC0, 0x7F} : new byte[] {(byte) 0xC0, 0x7F};
            // every tensor starts at an offset listed in the header; offset 0 is one of them
            ch.write(java.nio.ByteBuffer.wrap(nan), dataStart);
        }
        runner.withPropertyValues("rasd.target.path=" + dir, "rasd.draft.path=", "rasd.check-weights=true")
                .run(context -> failsOn(context, "rasd.target.path", "NaN", "tensor"));
        runner.withPropertyValues("rasd.target.path=" + dir, "rasd.draft.path=")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aDraftWithAnotherVocabularyFailsStartUpNamingTheDraftPath() {
        runner.withPropertyValues("rasd.draft.path=" + TestData.hf("llama-gqa-f32"))
                .run(context -> failsOn(context, "rasd.draft.path"));
    }

    @Test
    void aDraftModeWithoutADraftModelFailsStartUp() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class))
                .withPropertyValues("rasd.target.path=" + Demo.TARGET, "rasd.mode=rasd-pld")
                .run(context -> failsOn(context, "rasd.mode", "rasd.draft.path is not set"));
    }

    @Test
    void anUnknownDeviceFailsStartUp() {
        runner.withPropertyValues("rasd.device=tpu").run(context -> failsOn(context, "rasd.device", "tpu"));
    }

    @Test
    void aGpuWithoutCudaNativesFailsStartUpNamingTheDependency() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a CUDA GPU");
        runner.withPropertyValues("rasd.device=gpu")
                .run(context -> failsOn(context, "rasd.device", "pytorch-native-cu128", "rasd.device=cpu"));
    }

    @Test
    void rasdDtypeChoosesThePrecisionAndAnUnknownOneFailsStartUp() {
        runner.withPropertyValues("rasd.dtype=bf16").run(context -> {
            assertThat(context).hasNotFailed();
            RasdEngine engine = context.getBean(RasdEngine.class);
            assertThat(engine.target().precision()).isEqualTo(io.rasd.model.Precision.BF16);
            assertThat(engine.generate(io.rasd.engine.GenerationRequest.greedy(new int[] {5, 6, 7}, 4))
                            .tokens())
                    .hasSize(4);
        });
        runner.withPropertyValues("rasd.dtype=f8").run(context -> failsOn(context, "rasd.dtype", "f8", "bf16"));
    }

    @Test
    void speculationKnobsOutOfRangeNameTheirOwnProperty() {
        runner.withPropertyValues("rasd.speculation.tree-budget=1000")
                .run(context -> failsOn(context, "rasd.speculation.tree-budget", "[0, 256]"));
        runner.withPropertyValues("rasd.speculation.draft-depth=0")
                .run(context -> failsOn(context, "rasd.speculation.draft-depth"));
        runner.withPropertyValues("rasd.speculation.prune-top-k=0")
                .run(context -> failsOn(context, "rasd.speculation.prune-top-k"));
    }

    @Test
    void generationDefaultsOutOfRangeFailStartUp() {
        runner.withPropertyValues("rasd.generation.temperature=-1")
                .run(context -> failsOn(context, "rasd.generation.temperature", ">= 0"));
        runner.withPropertyValues("rasd.generation.temperature=NaN")
                .run(context -> failsOn(context, "rasd.generation.temperature"));
        runner.withPropertyValues("rasd.generation.top-p=0")
                .run(context -> failsOn(context, "rasd.generation.top-p", "(0, 1]"));
        runner.withPropertyValues("rasd.generation.top-p=1.5")
                .run(context -> failsOn(context, "rasd.generation.top-p"));
        runner.withPropertyValues("rasd.generation.top-k=-2").run(context -> failsOn(context, "rasd.generation.top-k"));
        runner.withPropertyValues("rasd.generation.max-new-tokens=0")
                .run(context -> failsOn(context, "rasd.generation.max-new-tokens", ">= 1"));
        runner.withPropertyValues("rasd.generation.timeout=0s")
                .run(context -> failsOn(context, "rasd.generation.timeout", "must be positive"));
    }

    @Test
    void aMemoryBudgetThatCannotFitFailsStartUpNamingTheProperties() {
        runner.withPropertyValues("rasd.concurrency.max-concurrent-generations=1000000000")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = context.getStartupFailure();
                    assertThat(failure).hasRootCauseInstanceOf(RasdMemoryBudgetException.class);
                    FailureAnalysis analysis = new RasdMemoryBudgetFailureAnalyzer().analyze(failure);
                    assertThat(analysis.getDescription())
                            .contains("rasd.concurrency.max-concurrent-generations=1000000000")
                            .contains("DOES NOT FIT");
                    assertThat(analysis.getAction()).contains("rasd.max-context");
                });
        runner.withPropertyValues("rasd.prefix-cache.max-size=1TB")
                .run(context -> assertThat(new RasdMemoryBudgetFailureAnalyzer()
                                .analyze(context.getStartupFailure())
                                .getAction())
                        .contains("rasd.prefix-cache.max-size"));
        runner.withPropertyValues("rasd.concurrency.max-concurrent-generations=1000000000", "rasd.check-memory=false")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RasdEngine.class));
    }

    @Test
    void concurrencyAndContextLimitsOutOfRangeFailStartUp() {
        runner.withPropertyValues("rasd.concurrency.max-concurrent-generations=0")
                .run(context -> failsOn(context, "rasd.concurrency.max-concurrent-generations"));
        runner.withPropertyValues("rasd.concurrency.max-queued-generations=-1")
                .run(context -> failsOn(context, "rasd.concurrency.max-queued-generations"));
        runner.withPropertyValues("rasd.concurrency.queue-timeout=-5s")
                .run(context -> failsOn(context, "rasd.concurrency.queue-timeout"));
        runner.withPropertyValues("rasd.max-context=-1").run(context -> failsOn(context, "rasd.max-context"));
    }

    @Test
    void aMaxContextCapsTheContextWindow() {
        runner.withPropertyValues("rasd.max-context=128")
                .run(context -> assertThat(
                                context.getBean(RasdEngine.class).target().contextLimit())
                        .isEqualTo(128));
    }

    @Test
    void aMissingDatastoreFileFailsUnlessPersistWouldCreateIt() {
        Path missing = tmp.resolve("missing.rasd");
        runner.withPropertyValues("rasd.datastore.path=" + missing)
                .run(context -> failsOn(context, "rasd.datastore.path", "nothing exists", "persist"));
        runner.withPropertyValues("rasd.datastore.persist=true")
                .run(context -> failsOn(context, "rasd.datastore.persist", "rasd.datastore.path is not set"));
        runner.withPropertyValues(
                        "rasd.datastore.path=" + tmp.resolve("no/such/folder/x.rasd"), "rasd.datastore.persist=true")
                .run(context -> failsOn(context, "rasd.datastore.path", "folder"));
    }

    @Test
    void aCorruptDatastoreFileFailsStartUp() throws IOException {
        Path bad = Files.write(tmp.resolve("bad.rasd"), new byte[] {'n', 'o', 'p', 'e', 0, 0, 0, 0});
        runner.withPropertyValues("rasd.datastore.path=" + bad)
                .run(context -> failsOn(context, "rasd.datastore.path", "cannot be opened"));
        runner.withPropertyValues("rasd.datastore.path=" + tmp)
                .run(context -> failsOn(context, "rasd.datastore.path", "is a directory"));
    }

    @Test
    void aMissingDatastoreInputFailsStartUpNamingItsIndex() {
        runner.withPropertyValues("rasd.datastore.inputs=" + Demo.CORPUS + "," + tmp.resolve("gone.txt"))
                .run(context -> failsOn(context, "rasd.datastore.inputs[1]", "gone.txt"));
    }

    @Test
    void anUnknownModeIsReportedByPropertyBinding() {
        runner.withPropertyValues("rasd.mode=turbo").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("turbo");
            assertThat(context.getStartupFailure()).hasMessageContaining("rasd");
        });
    }
}
