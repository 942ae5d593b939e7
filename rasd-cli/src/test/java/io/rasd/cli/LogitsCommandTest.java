package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class LogitsCommandTest {

    @Test
    void printsRawTopLogitsPerPromptPositionMatchingTransformers() throws IOException {
        JsonObject g = JsonParser.parseString(
                        Files.readString(TestData.hf("qwen2-tied-f32").resolve("golden.json")))
                .getAsJsonObject();
        JsonArray prompt = g.getAsJsonArray("prompt_ids");
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < prompt.size(); i++) {
            ids.append(i == 0 ? "" : ",").append(prompt.get(i).getAsInt());
        }
        CliRunner r = CliRunner.run(
                "logits",
                "--model",
                TestData.hf("qwen2-tied-f32").toString(),
                "--prompt-ids",
                ids.toString(),
                "--top",
                "5",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonArray positions =
                JsonParser.parseString(r.out().trim()).getAsJsonObject().getAsJsonArray("positions");
        assertThat(positions.size()).isEqualTo(prompt.size());
        for (int p = 0; p < positions.size(); p++) {
            JsonObject ours = positions.get(p).getAsJsonObject();
            JsonObject ref = g.getAsJsonArray("positions").get(p).getAsJsonObject();
            assertThat(ours.getAsJsonArray("top_ids").size()).isEqualTo(5);
            for (int i = 0; i < 5; i++) {
                assertThat(ours.getAsJsonArray("top_ids").get(i).getAsInt())
                        .isEqualTo(ref.getAsJsonArray("top_ids").get(i).getAsInt());
                assertThat(ours.getAsJsonArray("top_logits").get(i).getAsFloat())
                        .isCloseTo(
                                ref.getAsJsonArray("top_logits").get(i).getAsFloat(),
                                org.assertj.core.data.Offset.offset(1e-3f));
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "eagle/llama-gqa-f32-nobias, top_ids",
        "eagle3/head-8l-draftvocab-midlayer, top_target_ids"
    })
    void withAnEagleHeadPrintsItsTeacherForcedLogitsMatchingTheReferenceImplementation(String headPath, String idsKey)
            throws IOException {
        java.nio.file.Path head = TestData.root().resolve(headPath);
        JsonObject g = JsonParser.parseString(Files.readString(head.resolve("golden.json")))
                .getAsJsonObject();
        // the golden names its target (an EAGLE-3 head needs one deep enough for its three feature layers)
        java.nio.file.Path target =
                TestData.root().getParent().resolve(g.get("target").getAsString());
        StringBuilder ids = new StringBuilder();
        for (var id : g.getAsJsonArray("prompt_ids")) {
            ids.append(ids.length() == 0 ? "" : ",").append(id.getAsInt());
        }
        CliRunner r = CliRunner.run(
                "logits",
                "--model",
                target.toString(),
                "--draft",
                head.toString(),
                "--prompt-ids",
                ids.toString(),
                "--top",
                "10",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonArray positions =
                JsonParser.parseString(r.out().trim()).getAsJsonObject().getAsJsonArray("positions");
        assertThat(positions.size()).isEqualTo(g.get("positions").getAsInt());
        for (int p = 0; p < positions.size(); p++) {
            JsonObject ours = positions.get(p).getAsJsonObject();
            for (int i = 0; i < 10; i++) {
                assertThat(ours.getAsJsonArray("top_ids").get(i).getAsInt())
                        .isEqualTo(g.getAsJsonArray(idsKey)
                                .get(p)
                                .getAsJsonArray()
                                .get(i)
                                .getAsInt());
                assertThat(ours.getAsJsonArray("top_logits").get(i).getAsFloat())
                        .isCloseTo(
                                g.getAsJsonArray("top_logits")
                                        .get(p)
                                        .getAsJsonArray()
                                        .get(i)
                                        .getAsFloat(),
                                org.assertj.core.data.Offset.offset(1e-3f));
            }
        }
    }

    @Test
    void aDraftThatIsNotAnEagleHeadIsRefusedWithTheCommandToRunInstead() {
        CliRunner r = CliRunner.run(
                "logits",
                "--model",
                TestData.hf("llama-gqa-f32").toString(),
                "--draft",
                TestData.hf("qwen2-tied-f32").toString(),
                "--prompt-ids",
                "0,1,2");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("is not an EAGLE head").contains("logits --model");
    }

    @Test
    void missingPromptIdsIsAUsageError() {
        CliRunner r =
                CliRunner.run("logits", "--model", TestData.hf("qwen2-tied-f32").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--prompt-ids");
    }
}
