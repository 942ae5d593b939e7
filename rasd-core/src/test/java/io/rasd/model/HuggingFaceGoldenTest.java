package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our decoder against HuggingFace transformers on the same random-init checkpoints (tools/fixtures produced the
 * reference logits and greedy tokens once with torch; CI never runs Python). Covers every supported architecture,
 * tied and untied heads, f32 / f16 / bf16 storage, sharded weights and each RoPE scaling type.
 */
class HuggingFaceGoldenTest {

    static Stream<String> fixtures() {
        return Stream.of(
                "llama-gqa-f32",
                "llama-tied-bf16",
                "llama-linear-f16-sharded",
                "qwen2-tied-f32",
                "qwen3-bf16",
                "mistral-f32");
    }

    private static JsonObject golden(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve("golden.json")))
                .getAsJsonObject();
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void topLogitsAtEveryPromptPositionMatchTransformers(String fixture) throws IOException {
        Path dir = TestData.hf(fixture);
        JsonObject g = golden(dir);
        int[] prompt = ints(g.getAsJsonArray("prompt_ids"));
        JsonArray positions = g.getAsJsonArray("positions");
        try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                KvCache cache = lm.newCache();
                Logits logits = lm.forward(cache, prompt)) {
            TopK[] ours = logits.topK(10);
            for (int p = 0; p < prompt.length; p++) {
                JsonObject ref = positions.get(p).getAsJsonObject();
                int[] refIds = ints(ref.getAsJsonArray("top_ids"));
                JsonArray refLogits = ref.getAsJsonArray("top_logits");
                float[] row = logits.row(p);
                for (int i = 0; i < refIds.length; i++) {
                    assertThat(row[refIds[i]])
                            .as("%s position %d id %d", fixture, p, refIds[i])
                            .isCloseTo(refLogits.get(i).getAsFloat(), org.assertj.core.data.Offset.offset(1e-3f));
                }
                assertThat(ours[p].ids()[0])
                        .as("%s argmax at position %d", fixture, p)
                        .isEqualTo(refIds[0]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void thirtyTwoGreedyTokensMatchTransformers(String fixture) throws IOException {
        Path dir = TestData.hf(fixture);
        JsonObject g = golden(dir);
        int[] prompt = ints(g.getAsJsonArray("prompt_ids"));
        int[] expected = ints(g.getAsJsonArray("greedy_new_tokens"));
        int[] ours = new int[expected.length];
        try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                KvCache cache = lm.newCache()) {
            int next;
            try (Logits l = lm.forward(cache, prompt)) {
                next = l.argmax()[prompt.length - 1];
            }
            for (int i = 0; i < ours.length; i++) {
                ours[i] = next;
                try (Logits l = lm.forward(cache, new int[] {next})) {
                    next = l.argmax()[0];
                }
            }
        }
        assertThat(ours).as(fixture).containsExactly(expected);
    }
}
