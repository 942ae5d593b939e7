package io.rasd.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.util.unit.DataSize;

/** The start-up memory budget: what it counts, what fits, and the report when it does not. */
class RasdMemoryBudgetTest {

    private static final long GIB = 1L << 30;

    /** A model directory holding only a config.json of the given shape: the budget reads nothing else. */
    private static Path shape(Path dir, int layers, int kvHeads, int headDim, int hidden, int maxPositions)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["Qwen2ForCausalLM"], "vocab_size": 151936, "hidden_size": %d,
                 "intermediate_size": 4864, "num_hidden_layers": %d, "num_attention_heads": 14,
                 "num_key_value_heads": %d, "head_dim": %d, "max_position_embeddings": %d,
                 "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": true}""".formatted(hidden, layers, kvHeads, headDim, maxPositions));
        return dir;
    }

    @Test
    void kvBytesPerTokenAreTwoTimesLayersKvHeadsHeadDimFloats() {
        assertThat(ModelConfig.read(Demo.TARGET).kvBytesPerToken()).isEqualTo(12 * 1024); // README: 12 KiB
        assertThat(ModelConfig.read(Demo.DRAFT).kvBytesPerToken()).isEqualTo(2 * 2 * 4 * 32 * 4);
    }

    @Test
    void theSamplesDefaultsFitATwoCore24GiBMachineWithRoom() {
        // the sample's rasd.* settings (samples/spring-rag application.properties): demo models, the default
        // context window, one generation at a time (two cores), the default 256 MB prefix cache; the JVM's default
        // heap is a quarter of physical memory
        RasdProperties p = new RasdProperties();
        RasdMemoryBudget b = RasdMemoryBudget.of(p, Demo.TARGET, Demo.DRAFT, 24 * GIB, 6 * GIB);
        assertThat(b.contextTokens()).isEqualTo(2048);
        assertThat(b.generations()).isEqualTo(1);
        assertThat(b.kvBytesPerGeneration()).isEqualTo((12 * 1024 + 2 * 1024) * 2048L);
        assertThat(b.fits()).isTrue();
        assertThat(b.nativeBytesNeeded())
                .as("with room: under 1%% of the %s available", RasdMemoryBudget.human(b.nativeBytesAvailable()))
                .isLessThan(b.nativeBytesAvailable() / 100);
        assertThat(b.prefixCacheBytes()).isLessThan(b.prefixCacheLimit() / 10);
    }

    @Test
    void aLongContextTimesManyGenerationsFailsUntilTheContextIsCapped(@TempDir Path tmp) throws IOException {
        // Qwen2.5-0.5B's shape: 24 layers, 2 KV heads of 64 -> 24 KiB a token; 32k positions -> 768 MiB a generation
        Path qwen = shape(tmp.resolve("qwen"), 24, 2, 64, 896, 32768);
        RasdProperties p = new RasdProperties();
        p.getConcurrency().setMaxConcurrentGenerations(16);
        RasdMemoryBudget full = RasdMemoryBudget.of(p, qwen, null, 16 * GIB, 4 * GIB);
        assertThat(full.kvBytesPerGeneration()).isEqualTo(24L * 1024 * 32768);
        assertThat(full.kvBytes()).isEqualTo(12 * GIB);
        assertThat(full.nativeFits()).isFalse();
        assertThatThrownBy(full::check).isInstanceOf(RasdMemoryBudgetException.class);

        p.setMaxContext(4096);
        RasdMemoryBudget capped = RasdMemoryBudget.of(p, qwen, null, 16 * GIB, 4 * GIB);
        assertThat(capped.contextTokens()).isEqualTo(4096);
        assertThat(capped.fits()).isTrue();
        capped.check();
    }

    @Test
    void aPrefixCacheLargerThanHalfTheHeapDoesNotFit() {
        RasdProperties p = new RasdProperties();
        p.getPrefixCache().setMaxSize(DataSize.ofGigabytes(3));
        assertThat(RasdMemoryBudget.of(p, Demo.TARGET, null, 24 * GIB, 4 * GIB).prefixCacheFits())
                .isFalse();
        p.getPrefixCache().setEnabled(false);
        assertThat(RasdMemoryBudget.of(p, Demo.TARGET, null, 24 * GIB, 4 * GIB).fits())
                .as("a disabled cache takes nothing")
                .isTrue();
    }

    @Test
    void hugeSettingsSaturateInsteadOfWrappingAround() {
        RasdMemoryBudget b = new RasdMemoryBudget(24 * GIB, 6 * GIB, 0, Long.MAX_VALUE / 2, 1, Integer.MAX_VALUE, 0);
        assertThat(b.kvBytes()).isEqualTo(Long.MAX_VALUE);
        assertThat(b.nativeBytesNeeded()).isEqualTo(Long.MAX_VALUE);
        assertThat(b.nativeFits()).isFalse();
        assertThat(RasdMemoryBudget.human(b.kvBytes())).isEqualTo("more than 8 EiB");
    }

    @Test
    void theFailureAnalysisNamesEveryPropertyAndTheNumbers() {
        RasdMemoryBudget b = new RasdMemoryBudget(16 * GIB, 4 * GIB, 2 * GIB, 768L << 20, 32768, 16, 256L << 20);
        FailureAnalysis analysis = new RasdMemoryBudgetFailureAnalyzer()
                .analyze(new IllegalStateException("bean creation failed", new RasdMemoryBudgetException(b)));
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription())
                .contains("rasd.concurrency.max-concurrent-generations=16")
                .contains("768.0 MiB each")
                .contains("32768 tokens, set by rasd.max-context")
                .contains("= 12.0 GiB")
                .contains("Native memory needed: 14.0 GiB; available: 11.5 GiB")
                .contains("container limit 16.0 GiB - maximum heap 4.0 GiB")
                .contains("DOES NOT FIT")
                .contains("rasd.prefix-cache.max-size=256.0 MiB")
                .contains("2.0 GiB: fits");
        assertThat(analysis.getAction())
                .contains("rasd.max-context")
                .contains("rasd.concurrency.max-concurrent-generations")
                .contains("rasd.check-memory=false")
                .doesNotContain("rasd.prefix-cache.max-size");
    }
}
