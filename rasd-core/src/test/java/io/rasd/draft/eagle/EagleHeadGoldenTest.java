package io.rasd.draft.eagle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.draft.eagle.EagleHeadFormat.Variant;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.EagleHead;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.Positions;
import io.rasd.model.TopK;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The EAGLE head's teacher-forced logits against goldens that SafeAILab/EAGLE's own {@code cnets1.py} computed
 * offline (tools/fixtures/make_eagle_fixtures.py): one head with an fc bias and the target's embedding over a linear
 * RoPE target in f16, one without a bias and with its own embedding over a grouped-query target, one with q/k/v biases
 * ({@code "qkv_bias"}, as heads for Qwen2 have) over a Qwen2 target; and two EAGLE-3 heads
 * against {@code cnets.py}.
 */
class EagleHeadGoldenTest {

    static Stream<String> heads() {
        return Stream.of("llama-gqa-f32-nobias", "llama-linear-f16-bias-noemb", "qwen2-qkvbias-f32");
    }

    @ParameterizedTest
    @MethodSource("heads")
    void teacherForcedLogitsMatchTheReferenceImplementation(String name) throws IOException {
        Path dir = TestData.root().resolve("eagle").resolve(name);
        JsonObject golden = JsonParser.parseString(Files.readString(dir.resolve("golden.json")))
                .getAsJsonObject();
        Path targetDir =
                TestData.root().getParent().resolve(golden.get("target").getAsString());
        int[] ids = ints(golden.getAsJsonArray("prompt_ids"));
        int n = ids.length;
        try (CausalLm target = CausalLm.load(targetDir, Device.cpu(), 0)) {
            EagleHeadFormat format = EagleHeadFormat.inspect(dir, target.config());
            assertThat(format.hasFcBias()).isEqualTo(golden.get("fc_bias").getAsBoolean());
            try (EagleHead head = EagleHead.load(dir, target, format.hasFcBias(), format.hasQkvBias());
                    NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                    KvCache tc = target.newCache();
                    Logits t = target.forward(tc, ids);
                    KvCache hc = head.newCache()) {
                NDArray features = t.hidden(m, Positions.consecutive(0, n - 1));
                assertClose(features.get(0).toFloatArray(), golden.getAsJsonArray("features_first_row"), "feature f0");
                try (Logits h = head.forward(
                        hc,
                        Arrays.copyOfRange(ids, 1, n),
                        features,
                        Positions.consecutive(0, n - 1),
                        AttentionMask.causal(),
                        null)) {
                    assertClose(
                            h.hidden(m, new int[] {0}).toFloatArray(),
                            golden.getAsJsonArray("head_hidden_first_row"),
                            "head output h0");
                    TopK[] top = h.topK(10);
                    assertThat(top).hasSize(golden.get("positions").getAsInt());
                    for (int i = 0; i < top.length; i++) {
                        int[] expectedIds =
                                ints(golden.getAsJsonArray("top_ids").get(i).getAsJsonArray());
                        JsonArray expectedLogits =
                                golden.getAsJsonArray("top_logits").get(i).getAsJsonArray();
                        assertThat(top[i].ids())
                                .as("top-10 ids at position %d", i)
                                .containsExactly(expectedIds);
                        for (int k = 0; k < 10; k++) {
                            assertThat((double) top[i].values()[k])
                                    .as("logit %d at position %d", k, i)
                                    .isCloseTo(expectedLogits.get(k).getAsDouble(), within(1e-3));
                        }
                    }
                }
            }
        }
    }

    /**
     * EAGLE-3 heads against goldens that SafeAILab/EAGLE's own {@code cnets.py} computed offline
     * (tools/fixtures/make_eagle3_fixtures.py): one with a 160-id draft vocabulary mapped by {@code d2t}, the
     * reference's default feature layers (2, L/2, L-3) of an 8-layer grouped-query target and SafeAILab's
     * {@code midlayer.*} names; one over the full vocabulary with its own embedding, explicit
     * {@code eagle_aux_hidden_state_layer_ids} [1, 3, 5] on a 7-layer tied bf16 target, named {@code layers.0.*} as
     * converters write it.
     */
    static Stream<String> eagle3Heads() {
        return Stream.of("head-8l-draftvocab-midlayer", "head-7l-fullvocab-layers0-emb");
    }

    @ParameterizedTest
    @MethodSource("eagle3Heads")
    void eagle3TeacherForcedLogitsMatchTheReferenceImplementation(String name) throws IOException {
        Path dir = TestData.root().resolve("eagle3").resolve(name);
        JsonObject golden = JsonParser.parseString(Files.readString(dir.resolve("golden.json")))
                .getAsJsonObject();
        Path targetDir =
                TestData.root().getParent().resolve(golden.get("target").getAsString());
        int[] ids = ints(golden.getAsJsonArray("prompt_ids"));
        int n = ids.length;
        try (CausalLm target = CausalLm.load(targetDir, Device.cpu(), 0);
                EagleDrafter drafter =
                        EagleDrafter.load(dir, target, target.config().vocabSize())) {
            EagleHeadFormat format = EagleHeadFormat.inspect(dir, target.config());
            assertThat(format.variant()).isEqualTo(Variant.EAGLE_3);
            assertThat(format.eagle3().featureLayers())
                    .containsExactly(boxed(ints(golden.getAsJsonArray("feature_layers"))));
            assertThat(format.eagle3().draftVocabSize())
                    .isEqualTo(golden.get("draft_vocab_size").getAsInt());
            EagleHead head = drafter.head();
            assertThat(head.targetFeatureLayers()).containsExactly(ints(golden.getAsJsonArray("feature_layers")));
            try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                    KvCache tc = target.newCache();
                    Logits t = target.forward(
                            tc,
                            ids,
                            Positions.consecutive(0, n),
                            AttentionMask.causal(),
                            null,
                            head.targetFeatureLayers())) {
                assertClose(
                        t.hidden(m, new int[] {0}).toFloatArray(),
                        golden.getAsJsonArray("features_first_row"),
                        "target features g0");
            }
            try (Logits h = head.teacherForced(ids);
                    NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                assertClose(
                        h.hidden(m, new int[] {0}).toFloatArray(),
                        golden.getAsJsonArray("head_hidden_first_row"),
                        "head output h0");
                assertThat(h.vocabSize())
                        .isEqualTo(golden.get("draft_vocab_size").getAsInt());
                TopK[] top = h.topK(10);
                assertThat(top).hasSize(golden.get("positions").getAsInt());
                for (int i = 0; i < top.length; i++) {
                    assertThat(top[i].ids())
                            .as("top-10 draft ids at position %d", i)
                            .containsExactly(ints(golden.getAsJsonArray("top_draft_ids")
                                    .get(i)
                                    .getAsJsonArray()));
                    int[] mapped = new int[10];
                    for (int k = 0; k < 10; k++) {
                        mapped[k] = head.targetId(top[i].ids()[k]);
                    }
                    assertThat(mapped)
                            .as("their target ids at position %d", i)
                            .containsExactly(ints(golden.getAsJsonArray("top_target_ids")
                                    .get(i)
                                    .getAsJsonArray()));
                    JsonArray expected =
                            golden.getAsJsonArray("top_logits").get(i).getAsJsonArray();
                    for (int k = 0; k < 10; k++) {
                        assertThat((double) top[i].values()[k])
                                .as("logit %d at position %d", k, i)
                                .isCloseTo(expected.get(k).getAsDouble(), within(1e-3));
                    }
                }
            }
        }
    }

    private static void assertClose(float[] actual, JsonArray expected, String what) {
        for (int i = 0; i < expected.size(); i++) {
            assertThat((double) actual[i])
                    .as("%s[%d]", what, i)
                    .isCloseTo(expected.get(i).getAsDouble(), within(1e-4));
        }
    }

    private static Integer[] boxed(int[] a) {
        return Arrays.stream(a).boxed().toArray(Integer[]::new);
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
