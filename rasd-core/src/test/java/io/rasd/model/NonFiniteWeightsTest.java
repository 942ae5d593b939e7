package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LoadOptions#checkFinite()}: a weight holding NaN or ±Inf is refused by tensor, file and index. */
class NonFiniteWeightsTest {

    private static final LoadOptions CHECKED = new LoadOptions(Device.cpu(), 0, true);

    @TempDir
    Path tmp;

    /** A copy of a committed fixture that the test may damage. */
    private Path copy(String fixture) throws IOException {
        return CheckpointEdits.copy(TestData.hf(fixture), tmp.resolve(fixture));
    }

    private static void poke(Path file, String tensor, long index, float value) throws IOException {
        CheckpointEdits.overwrite(file, tensor, index, value);
    }

    @Test
    void aNanInAnF32WeightIsNamedWithItsFileAndFirstIndex() throws IOException {
        Path dir = copy("llama-gqa-f32");
        // up_proj of layer 0 is [intermediate, hidden]; element 3 * hidden + 17 sits at [3, 17]
        int hidden = ModelConfig.read(dir).hiddenSize();
        poke(dir.resolve("model.safetensors"), "model.layers.0.mlp.up_proj.weight", 3L * hidden + 17, Float.NaN);
        assertThatThrownBy(() -> CausalLm.load(dir, CHECKED).close())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("\"model.layers.0.mlp.up_proj.weight\"")
                .hasMessageContaining("1 non-finite value of")
                .hasMessageContaining("1 NaN, 0 +/-Inf")
                .hasMessageContaining("the first is NaN at index [3, 17]");
        // the scan is opt-in: without it the same checkpoint loads
        CausalLm.load(dir, CHECKED.withCheckFinite(false)).close();
    }

    @Test
    void infinitiesAreCountedAndTheFirstInRowMajorOrderIsReported() throws IOException {
        Path dir = copy("llama-gqa-f32");
        Path file = dir.resolve("model.safetensors");
        poke(file, "model.norm.weight", 9, Float.NEGATIVE_INFINITY);
        poke(file, "model.norm.weight", 5, Float.POSITIVE_INFINITY);
        poke(file, "model.norm.weight", 30, Float.NaN);
        assertThatThrownBy(() -> CausalLm.load(dir, CHECKED).close())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"model.norm.weight\"")
                .hasMessageContaining("3 non-finite values")
                .hasMessageContaining("1 NaN, 2 +/-Inf")
                .hasMessageContaining("the first is Infinity at index [5]");
    }

    @Test
    void anInfinityInOneShardOfAnF16CheckpointNamesThatShard() throws IOException {
        Path dir = copy("llama-linear-f16-sharded");
        Path shard = dir.resolve("model-00003-of-00004.safetensors");
        poke(shard, "model.layers.1.mlp.down_proj.weight", 0, Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> CausalLm.load(dir, CHECKED).close())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(shard.toString())
                .hasMessageContaining("\"model.layers.1.mlp.down_proj.weight\"")
                .hasMessageContaining("(F16)")
                .hasMessageContaining("the first is Infinity at index [0, 0]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tied-bf16", "qwen3-bf16"})
    void aNanAndAMinusInfInABf16EmbeddingAreNamed(String fixture) throws IOException {
        Path dir = copy(fixture);
        int hidden = ModelConfig.read(dir).hiddenSize();
        poke(dir.resolve("model.safetensors"), "model.embed_tokens.weight", 2L * hidden + 1, Float.NaN);
        poke(dir.resolve("model.safetensors"), "model.embed_tokens.weight", 7L * hidden, Float.NEGATIVE_INFINITY);
        assertThatThrownBy(() -> CausalLm.load(dir, CHECKED).close())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"model.embed_tokens.weight\"")
                .hasMessageContaining("(BF16)")
                .hasMessageContaining("2 non-finite values")
                .hasMessageContaining("the first is NaN at index [2, 1]");
    }

    @Test
    void aNanWrittenBySafeTensorsWriterIsFoundInAModelBuiltFromScratch() throws IOException {
        Path dir = RandomCheckpoint.llama().layers(1).writeTo(tmp.resolve("random"));
        CheckpointEdits.rewrite(dir.resolve("model.safetensors"), (name, shape, v) -> {
            if (name.equals("model.layers.0.self_attn.v_proj.weight")) {
                v[v.length - 1] = Float.NaN;
            }
        });
        assertThatThrownBy(() -> CausalLm.load(dir, CHECKED).close())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"model.layers.0.self_attn.v_proj.weight\"")
                .hasMessageContaining("the first is NaN at index [31, 63]");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "llama-gqa-f32",
                "llama-linear-f16-sharded",
                "llama-tied-bf16",
                "mistral-f32",
                "qwen2-tied-f32",
                "qwen3-bf16"
            })
    void cleanCheckpointsPassAndTheScanLeavesNoArrayBehind(String fixture) {
        Path dir = TestData.hf(fixture);
        int unchecked;
        try (CausalLm lm = CausalLm.load(dir, CHECKED.withCheckFinite(false))) {
            unchecked = lm.liveWeightArrays();
        }
        try (CausalLm lm = CausalLm.load(dir, CHECKED)) {
            assertThat(lm.liveWeightArrays()).as("weights tier after the scan").isEqualTo(unchecked);
        }
    }

    @Test
    void hugeFiniteWeightsWhoseSumOverflowsAreNotMistakenForInfinities() throws IOException {
        Path dir = copy("llama-gqa-f32");
        for (int i = 0; i < 2; i++) {
            poke(dir.resolve("model.safetensors"), "model.norm.weight", i, Float.MAX_VALUE);
        }
        CausalLm.load(dir, CHECKED).close();
    }

    @Test
    void loadOptionsRejectANegativeContextBound() {
        assertThatThrownBy(() -> LoadOptions.defaults().withMaxContext(-1))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("maxContext");
    }
}
