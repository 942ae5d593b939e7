package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {

    @Test
    void everyModeWhoseProposersAreGivenRunsAndMatchesPlainDecoding(@TempDir Path tmp) throws IOException {
        Path doc = tmp.resolve("doc.txt");
        Files.writeString(doc, "def main():\n    return helper(1, 2)\n");
        CliRunner r = CliRunner.run(
                "compare",
                "--model",
                TestData.hf("llama-gqa-f32").toString(),
                "--draft",
                TestData.hf("qwen3-bf16").toString(),
                "--datastore-text",
                doc.toString(),
                "--prompt",
                "def main():\n    return helper(",
                "--max-new-tokens",
                "12",
                "--repeats",
                "1",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonArray rows = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("rows");
        Set<String> modes = new HashSet<>();
        for (var el : rows) {
            JsonObject row = el.getAsJsonObject();
            modes.add(row.get("mode").getAsString());
            assertThat(row.get("identical_to_ar").getAsBoolean())
                    .as(row.toString())
                    .isTrue();
            assertThat(row.get("tau").getAsDouble()).isGreaterThanOrEqualTo(1.0);
            assertThat(row.has("speedup")).isTrue();
        }
        assertThat(modes)
                .containsExactlyInAnyOrder("ar", "draft", "pld", "datastore", "rasd-pld", "rasd-datastore", "rasd");

        CliRunner table = CliRunner.run(
                "compare",
                "--model",
                TestData.hf("llama-gqa-f32").toString(),
                "--prompt-ids",
                "0,5,6,7,5,6",
                "--max-new-tokens",
                "8",
                "--repeats",
                "1");
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).contains("identical").contains("pld").doesNotContain("rasd");
    }

    @Test
    void askingForAModeWithoutItsProposerIsExplained() {
        CliRunner r = CliRunner.run(
                "compare",
                "--model",
                TestData.hf("llama-gqa-f32").toString(),
                "--prompt-ids",
                "0,5,6",
                "--modes",
                "ar,rasd");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--draft");
    }
}
