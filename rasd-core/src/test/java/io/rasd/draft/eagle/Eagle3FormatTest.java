package io.rasd.draft.eagle;

import static io.rasd.model.CheckpointEdits.editConfig;
import static io.rasd.model.CheckpointEdits.editTensors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.draft.eagle.EagleHeadFormat.Variant;
import io.rasd.model.CheckpointEdits;
import io.rasd.model.DType;
import io.rasd.model.ModelConfig;
import io.rasd.model.SafeTensorsWriter;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed EAGLE-3 fixture heads are read as published, and every malformed EAGLE-3 head is named precisely. */
class Eagle3FormatTest {

    private static final String DRAFT_VOCAB_HEAD = "head-8l-draftvocab-midlayer";
    private static final String FULL_VOCAB_HEAD = "head-7l-fullvocab-layers0-emb";

    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        return TestData.root().resolve("eagle3").resolve(name);
    }

    private static ModelConfig target8() {
        return ModelConfig.read(TestData.root().resolve("eagle3").resolve("target-8l-gqa-f32"));
    }

    private static ModelConfig target7() {
        return ModelConfig.read(TestData.root().resolve("eagle3").resolve("target-7l-tied-bf16"));
    }

    private Path copy(String name) throws IOException {
        return CheckpointEdits.copy(fixture(name), tmp.resolve(name));
    }

    @Test
    void aHeadWithADraftVocabularyIsReadWithItsMapAndTheReferencesDefaultLayers() {
        EagleHeadFormat f = EagleHeadFormat.inspect(fixture(DRAFT_VOCAB_HEAD), target8());
        assertThat(f.variant()).isEqualTo(Variant.EAGLE_3);
        assertThat(f.eagle3().layerPrefix()).isEqualTo("midlayer.");
        // 8 target layers: 2, 8/2 and 8-3
        assertThat(f.eagle3().featureLayers()).containsExactly(2, 4, 5);
        assertThat(f.eagle3().draftVocabSize()).isEqualTo(160);
        assertThat(f.hasEmbedding()).isFalse();
        int[] map = f.eagle3().draftToTarget();
        for (int d = 1; d < map.length; d++) {
            assertThat(map[d])
                    .as("the draft vocabulary is ascending target ids")
                    .isGreaterThan(map[d - 1]);
        }
        assertThat(EagleHeadFormat.looksLikeEagleHead(fixture(DRAFT_VOCAB_HEAD)))
                .isTrue();
    }

    @Test
    void aConvertedHeadOverTheFullVocabularyWithExplicitLayersIsRead() {
        EagleHeadFormat f = EagleHeadFormat.inspect(fixture(FULL_VOCAB_HEAD), target7());
        assertThat(f.eagle3().layerPrefix()).isEqualTo("layers.0.");
        assertThat(f.eagle3().featureLayers()).containsExactly(1, 3, 5);
        assertThat(f.eagle3().draftVocabSize()).isEqualTo(512);
        assertThat(f.eagle3().draftToTarget()[300]).as("no d2t: the identity").isEqualTo(300);
        assertThat(f.hasEmbedding()).isTrue();
    }

    @Test
    void d2tThatMapsOutsideTheVocabularyNamesTheDraftIdAndTarget() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editTensors(dir, t -> t.get("d2t").values()[7] = 10_000);
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("\"d2t\" maps draft id 7")
                .hasMessageContaining("outside the target's vocabulary [0, 512)");
    }

    @Test
    void d2tStoredAsFloatsIsRefusedByDtype() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editTensors(dir, t -> {
            SafeTensorsWriter.Tensor d = t.get("d2t");
            t.put("d2t", new SafeTensorsWriter.Tensor(DType.F32, d.shape(), d.values()));
        });
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"d2t\" has dtype F32; expected I64");
    }

    @Test
    void aSmallerDraftVocabularyWithoutD2tIsAnError() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editTensors(dir, t -> {
            t.remove("d2t");
            t.remove("t2d");
        });
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("missing tensor \"d2t\" [160]");
    }

    @Test
    void featureLayersOutOfTheTargetOrOutOfOrderAreNamed() throws IOException {
        Path dir = copy(FULL_VOCAB_HEAD);
        editConfig(
                dir,
                "\"eagle_aux_hidden_state_layer_ids\": [\n    1,\n    3,\n    5\n  ]",
                "\"eagle_aux_hidden_state_layer_ids\": [5, 3, 9]");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target7()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("eagle_aux_hidden_state_layer_ids [5, 3, 9]")
                .hasMessageContaining("three distinct target layers in ascending order within [0, 7)");
    }

    @Test
    void featureLayersNestedUnderEagleConfigAreRead() throws IOException {
        Path dir = copy(FULL_VOCAB_HEAD);
        editConfig(
                dir,
                "\"eagle_aux_hidden_state_layer_ids\": [\n    1,\n    3,\n    5\n  ]",
                "\"eagle_config\": {\"eagle_aux_hidden_state_layer_ids\": [0, 2, 6]}");
        assertThat(EagleHeadFormat.inspect(dir, target7()).eagle3().featureLayers())
                .containsExactly(0, 2, 6);
    }

    @Test
    void anFcThatDoesNotReadThreeTargetStatesIsNamed() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editTensors(
                dir,
                t -> t.put(
                        "fc.weight",
                        new SafeTensorsWriter.Tensor(DType.F32, new long[] {64, 128}, new float[64 * 128])));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"fc.weight\" has shape [64, 128]; expected [64, 192]");
    }

    @Test
    void aTargetOfAnotherHiddenSizeIsRefused() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editConfig(dir, "\"draft_vocab_size\": 160,", "\"draft_vocab_size\": 160, \"target_hidden_size\": 128,");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("target_hidden_size = 128 but the target's hidden_size is 64");
    }

    @Test
    void theSpeculatorsNormBeforeResidualVariantIsRefusedByName() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editConfig(dir, "\"draft_vocab_size\": 160,", "\"draft_vocab_size\": 160, \"norm_before_residual\": true,");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"norm_before_residual\": true");
    }

    @Test
    void aDraftVocabularyLargerThanTheTargetsIsRefused() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editConfig(dir, "\"draft_vocab_size\": 160,", "\"draft_vocab_size\": 600,");
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("draft_vocab_size = 600; expected 1..512");
    }

    @Test
    void anUnexpectedTensorIsNamed() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editTensors(
                dir,
                t -> t.put(
                        "midlayer.self_attn.q_proj.bias",
                        new SafeTensorsWriter.Tensor(DType.F32, new long[] {64}, new float[64])));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("[midlayer.self_attn.q_proj.bias] are not part of an EAGLE-3 head");
    }

    @Test
    void aMissingNormIsNamedWithItsShape() throws IOException {
        Path dir = copy(DRAFT_VOCAB_HEAD);
        editTensors(dir, t -> t.remove("midlayer.hidden_norm.weight"));
        assertThatThrownBy(() -> EagleHeadFormat.inspect(dir, target8()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("missing tensor \"midlayer.hidden_norm.weight\" (expected shape [64])");
    }
}
