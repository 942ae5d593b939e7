package io.rasd.draft.eagle;

import static io.rasd.model.CheckpointEdits.editConfig;
import static io.rasd.model.CheckpointEdits.editTensors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.model.CheckpointEdits;
import io.rasd.model.DType;
import io.rasd.model.ModelConfig;
import io.rasd.model.SafeTensorsFile;
import io.rasd.model.SafeTensorsWriter;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The committed EAGLE-1/2 fixture heads are read correctly, and every malformed head is named precisely. */
class EagleHeadFormatTest {

    private static final String GQA_HEAD = "llama-gqa-f32-nobias";
    private static final String LINEAR_HEAD = "llama-linear-f16-bias-noemb";

    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        return TestData.root().resolve("eagle").resolve(name);
    }

    private static ModelConfig gqaTarget() {
        return ModelConfig.read(TestData.hf("llama-gqa-f32"));
    }

    private static ModelConfig linearTarget() {
        return ModelConfig.read(TestData.hf("llama-linear-f16-sharded"));
    }

    /** A copy of the fixture head {@code name} in the temp folder, to damage. */
    private Path copy(String name) throws IOException {
        return CheckpointEdits.copy(fixture(name), tmp.resolve(name));
    }

    private static SafeTensorsWriter.Tensor zeros(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new SafeTensorsWriter.Tensor(DType.F32, shape, new float[Math.toIntExact(n)]);
    }

    private static List<String> layerTensors() {
        return List.of(
                "layers.0.mlp.down_proj.weight",
                "layers.0.mlp.gate_proj.weight",
                "layers.0.mlp.up_proj.weight",
                "layers.0.post_attention_layernorm.weight",
                "layers.0.self_attn.k_proj.weight",
                "layers.0.self_attn.o_proj.weight",
                "layers.0.self_attn.q_proj.weight",
                "layers.0.self_attn.v_proj.weight");
    }

    @Test
    void gqaHeadWithBiasFalseAndOwnEmbeddingIsAccepted() {
        EagleHeadFormat f = EagleHeadFormat.inspect(fixture(GQA_HEAD), gqaTarget());

        assertThat(f.variant()).isEqualTo(EagleHeadFormat.Variant.EAGLE_1_2);
        assertThat(f.hasFcBias()).isFalse();
        assertThat(f.hasQkvBias()).isFalse();
        assertThat(f.hasEmbedding()).isTrue();
        assertThat(f.hiddenSize()).isEqualTo(64);
        assertThat(f.vocabSize()).isEqualTo(512);
        assertThat(f.config().numLayers()).isEqualTo(1);
        assertThat(f.config().numHeads()).isEqualTo(4);
        assertThat(f.config().numKvHeads()).isEqualTo(2);
        assertThat(f.config().rmsNormEps()).isEqualTo(1e-5);
        assertThat(f.config().ropeScaling().type()).isEqualTo("default");
        List<String> names = new java.util.ArrayList<>(List.of("embed_tokens.weight", "fc.weight"));
        names.addAll(layerTensors());
        assertThat(f.tensors()).extracting(EagleHeadFormat.TensorInfo::name).containsExactlyElementsOf(names);
        assertThat(f.tensors()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.F32));
        assertThat(f.tensors())
                .filteredOn(t -> t.name().equals("fc.weight"))
                .singleElement()
                .satisfies(t -> assertThat(t.shape()).containsExactly(64L, 128L));
        assertThat(f.tensors())
                .filteredOn(t -> t.name().equals("layers.0.self_attn.k_proj.weight"))
                .singleElement()
                .satisfies(t -> assertThat(t.shape()).containsExactly(32L, 64L));
    }

    @Test
    void headWithoutBiasKeyHasFcBiasAndMayUseTheTargetsEmbedding() {
        EagleHeadFormat f = EagleHeadFormat.inspect(fixture(LINEAR_HEAD), linearTarget());

        assertThat(f.hasFcBias()).isTrue();
        assertThat(f.hasEmbedding()).isFalse();
        assertThat(f.config().numKvHeads()).isEqualTo(4);
        assertThat(f.config().ropeScaling().type()).isEqualTo("linear");
        assertThat(f.config().ropeScaling().factor()).isEqualTo(2.0);
        List<String> names = new java.util.ArrayList<>(List.of("fc.bias", "fc.weight"));
        names.addAll(layerTensors());
        assertThat(f.tensors()).extracting(EagleHeadFormat.TensorInfo::name).containsExactlyElementsOf(names);
        assertThat(f.tensors()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.F16));
    }

    @Test
    void fixtureHeadsAreDetectedAsEagleHeadsAndTargetsAreNot() throws IOException {
        assertThat(EagleHeadFormat.looksLikeEagleHead(fixture(GQA_HEAD))).isTrue();
        assertThat(EagleHeadFormat.looksLikeEagleHead(fixture(LINEAR_HEAD))).isTrue();
        assertThat(EagleHeadFormat.looksLikeEagleHead(TestData.hf("llama-gqa-f32")))
                .isFalse();
        assertThat(EagleHeadFormat.looksLikeEagleHead(TestData.hf("llama-linear-f16-sharded")))
                .isFalse();
        assertThat(EagleHeadFormat.looksLikeEagleHead(tmp.resolve("nope"))).isFalse();

        Path noFc = copy(GQA_HEAD);
        editTensors(noFc, t -> t.remove("fc.weight"));
        assertThat(EagleHeadFormat.looksLikeEagleHead(noFc)).isFalse();
    }

    @Test
    void oneLayerDirectoryWithOnlyPytorchBinIsDetectedSoThatInspectCanExplain() throws IOException {
        Path dir = copy(GQA_HEAD);
        Files.move(dir.resolve("model.safetensors"), dir.resolve("pytorch_model.bin"));
        assertThat(EagleHeadFormat.looksLikeEagleHead(dir)).isTrue();
    }

    @Test
    void missingDirectoryIsNamed() {
        Path dir = tmp.resolve("no-such-head");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void missingConfigJsonIsNamed() throws IOException {
        Path dir = copy(GQA_HEAD);
        Files.delete(dir.resolve("config.json"));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("needs config.json");
    }

    @Test
    void pytorchBinWithoutSafetensorsSaysHowToConvert() throws IOException {
        Path dir = copy(GQA_HEAD);
        Files.move(dir.resolve("model.safetensors"), dir.resolve("pytorch_model.bin"));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("pytorch_model.bin but no model.safetensors")
                .hasMessageContaining("torch.load(")
                .hasMessageContaining("st.save_file(")
                .hasMessageContaining("speculators");
    }

    @Test
    void directoryWithoutAnyWeightsSaysWhatIsExpected() throws IOException {
        Path dir = copy(GQA_HEAD);
        Files.delete(dir.resolve("model.safetensors"));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("No weights")
                .hasMessageContaining("model.safetensors");
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLMEagle3", "Eagle3LlamaForCausalLM"})
    void eagle3ArchitectureIsReadAsEagle3AndATargetTooShallowForItsFeaturesIsNamed(String arch) throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"LlamaForCausalLM\"", "\"" + arch + "\"");
        // the 2-layer target has no layers 2, L/2 and L-3 to read
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("default layers 2, L/2 and L-3 for the target's L = 2")
                .hasMessageContaining("eagle_aux_hidden_state_layer_ids")
                .hasMessageContaining(dir.resolve("config.json").toString());
    }

    @Test
    void draftVocabSizeMarksAnEagle3Head() throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"bias\": false,", "\"bias\": false, \"draft_vocab_size\": 256,");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("an EAGLE-3 head's fc reads exactly three");
    }

    @ParameterizedTest
    @ValueSource(strings = {"midlayer.hidden_norm.weight", "d2t", "t2d"})
    void eagle3TensorsInAHeadWhoseConfigSaysEagle12AreNamed(String tensor) throws IOException {
        Path dir = copy(GQA_HEAD);
        editTensors(dir, t -> t.put(tensor, zeros(64)));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("only EAGLE-3 heads have")
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("\"" + tensor + "\"");
    }

    @Test
    void eagle3VocabularyMapsInIntegerTypesAreReadAndNamed() throws IOException {
        // published EAGLE-3 heads store d2t as I64 and t2d as BOOL
        Path dir = copy(GQA_HEAD);
        String header = "{\"d2t\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"t2d\":{\"dtype\":\"BOOL\",\"shape\":[4],\"data_offsets\":[16,20]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 20).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(dir.resolve("model.safetensors"), b.array());
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("only EAGLE-3 heads have")
                .hasMessageContaining("\"d2t\"");
        assertThat(EagleHeadFormat.looksLikeEagleHead(dir)).isFalse();
    }

    @Test
    void shardedHeadIsReadThroughItsIndex() throws IOException {
        Path dir = copy(GQA_HEAD);
        Files.move(dir.resolve("model.safetensors"), dir.resolve("model-00001-of-00001.safetensors"));
        StringBuilder map = new StringBuilder();
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("model-00001-of-00001.safetensors"))) {
            for (String n : f.names()) {
                map.append(map.isEmpty() ? "" : ",")
                        .append('"')
                        .append(n)
                        .append("\":\"model-00001-of-00001.safetensors\"");
            }
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + map + "}}");

        assertThat(EagleHeadFormat.looksLikeEagleHead(dir)).isTrue();
        EagleHeadFormat f = EagleHeadFormat.inspect(dir, gqaTarget());
        assertThat(f.hasEmbedding()).isTrue();
        assertThat(f.tensors()).hasSize(10);
    }

    @Test
    void moreThanOneLayerIsRejected() throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"num_hidden_layers\": 1", "\"num_hidden_layers\": 2");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("num_hidden_layers = 2")
                .hasMessageContaining("exactly 1 decoder layer");
    }

    @Test
    void hiddenSizeOtherThanTheTargetsIsRejected() throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"hidden_size\": 64", "\"hidden_size\": 32");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("hidden_size = 32 but the target's is 64");
    }

    @Test
    void vocabularyOtherThanTheTargetsIsRejected() {
        ModelConfig qwen2 = ModelConfig.read(TestData.hf("qwen2-tied-f32"));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(fixture(GQA_HEAD), qwen2))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("vocab_size = 512 but the target's is 576");
    }

    @Test
    void headDimOtherThanHiddenOverHeadsIsRejected() throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"hidden_act\"", "\"head_dim\": 32, \"hidden_act\"");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("head_dim = 32")
                .hasMessageContaining("hidden_size / num_attention_heads");
    }

    @Test
    void missingTensorIsNamedWithItsExpectedShape() throws IOException {
        Path dir = copy(GQA_HEAD);
        editTensors(dir, t -> t.remove("layers.0.mlp.up_proj.weight"));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("missing tensor \"layers.0.mlp.up_proj.weight\"")
                .hasMessageContaining("[160, 64]");
    }

    @Test
    void tensorOfWrongShapeNamesExpectedAndActual() throws IOException {
        Path dir = copy(GQA_HEAD);
        editTensors(dir, t -> t.put("layers.0.self_attn.k_proj.weight", zeros(64, 64)));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("\"layers.0.self_attn.k_proj.weight\" has shape [64, 64]; expected [32, 64]");
    }

    @Test
    void embeddingOfWrongShapeIsRejected() throws IOException {
        Path dir = copy(GQA_HEAD);
        editTensors(dir, t -> t.put("embed_tokens.weight", zeros(500, 64)));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"embed_tokens.weight\" has shape [500, 64]; expected [512, 64]");
    }

    @Test
    void threeHiddenWideFcIsPointedOutAsEagle3() throws IOException {
        Path dir = copy(GQA_HEAD);
        editTensors(dir, t -> t.put("fc.weight", zeros(64, 192)));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"fc.weight\" has shape [64, 192]; expected [64, 128]")
                .hasMessageContaining("EAGLE-3");
    }

    @Test
    void fcBiasThatTheConfigRulesOutIsAnError() throws IOException {
        Path dir = copy(GQA_HEAD);
        editTensors(dir, t -> t.put("fc.bias", zeros(64)));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.resolve("config.json") + " says \"bias\": false")
                .hasMessageContaining(dir.resolve("model.safetensors") + " has tensor \"fc.bias\"");
    }

    @Test
    void missingFcBiasWhenTheBiasKeyIsAbsentNamesTheReferenceDefault() throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"bias\": false,", "");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.resolve("config.json") + " has no \"bias\" key")
                .hasMessageContaining("reads as true")
                .hasMessageContaining(dir.resolve("model.safetensors") + " has no tensor \"fc.bias\"")
                .hasMessageContaining("\"bias\": false");
    }

    @Test
    void missingFcBiasWhenTheConfigAsksForItIsAnError() throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"bias\": false", "\"bias\": true");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("says \"bias\": true")
                .hasMessageContaining("has no tensor \"fc.bias\"");
    }

    @Test
    void nonBooleanBiasKeyIsRejected() throws IOException {
        Path dir = copy(GQA_HEAD);
        editConfig(dir, "\"bias\": false", "\"bias\": \"no\"");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"bias\" must be true or false");
    }

    @Test
    void tensorsOutsideTheHeadLayoutAreListed() throws IOException {
        Path dir = copy(GQA_HEAD);
        editTensors(dir, t -> {
            t.put("layers.0.input_layernorm.weight", zeros(64));
            t.put("norm.weight", zeros(64));
        });
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, gqaTarget()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("[layers.0.input_layernorm.weight, norm.weight]")
                .hasMessageContaining("not part of an EAGLE-1/2 head");
    }
}
