package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;

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

class BenchCommandTest {

    /** What {@code --dtype auto} holds the committed demo models (bf16 checkpoints) in on this CPU. */
    static final String AUTO_DTYPE =
            io.rasd.model.Precision.AUTO.resolve(io.rasd.model.DType.BF16).label();

    static final Path REPO = TestData.root().getParent();

    @Test
    void theQuickSuiteRunsEveryModeOnEveryTaskLosslesslyAndWritesItsReports(@TempDir Path out) throws IOException {
        CliRunner r = CliRunner.run(
                "bench",
                "--suite",
                "quick",
                "--models",
                REPO.resolve("models").toString(),
                "--tasks",
                REPO.resolve("bench").toString(),
                "--out",
                out.toString(),
                "--max-new-tokens",
                "16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject();
        assertThat(json.getAsJsonObject("machine").get("cores").getAsInt()).isPositive();
        Set<String> cells = new HashSet<>();
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject row = el.getAsJsonObject();
            cells.add(row.get("task").getAsString() + "/" + row.get("mode").getAsString());
            assertThat(row.get("lossless_match").getAsDouble())
                    .as(row.toString())
                    .isEqualTo(1.0);
            assertThat(row.getAsJsonObject("accepted_by_source").keySet())
                    .containsExactlyInAnyOrder("draft", "pld", "datastore", "bonus");
            assertThat(row.get("distinct_4gram_ratio").getAsDouble()).isBetween(0.0, 1.0);
            // docqa's tasks carry the section the answer should quote; the others have no reference
            assertThat(row.has("answer_overlap"))
                    .as(row.toString())
                    .isEqualTo(row.get("task").getAsString().equals("docqa"));
            // the committed demo models are bf16 checkpoints: --dtype auto holds them as this CPU computes best
            assertThat(row.get("dtype").getAsString()).isEqualTo(AUTO_DTYPE);
            if (row.get("mode").getAsString().endsWith("+eagle")) {
                assertThat(row.get("drafter").getAsString()).isEqualTo("demo-eagle");
            }
        }
        // seven modes with the standalone draft, and the four drafting modes again with models/demo-eagle
        assertThat(cells).hasSize(4 * 11).contains("docqa/rasd+eagle", "code/draft+eagle");
        assertThat(Files.readString(out.resolve("results.md")))
                .contains("| mode | dtype |", "| rasd | " + AUTO_DTYPE + " |", "| rasd+eagle | " + AUTO_DTYPE + " |")
                .contains("docqa", "mean speedup")
                .contains("distinct 4-grams of the output", "answer words quoting the reference");
        assertThat(Files.readString(out.resolve("chart.svg")))
                .startsWith("<svg")
                .contains("indomain-qa");
    }

    @Test
    void thePrefixSuiteHitsTheSharedDocumentAndLeavesEveryOutputUnchanged(@TempDir Path out) throws IOException {
        CliRunner r = CliRunner.run(
                "bench",
                "--suite",
                "prefix",
                "--models",
                REPO.resolve("models").toString(),
                "--tasks",
                REPO.resolve("bench").toString(),
                "--out",
                out.toString(),
                "--prompts",
                "3",
                "--max-new-tokens",
                "4");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject();
        assertThat(json.getAsJsonArray("rows")).hasSize(3 * 2);
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject row = el.getAsJsonObject();
            assertThat(row.get("identical").getAsBoolean()).as(row.toString()).isTrue();
            assertThat(row.get("prompt_tokens").getAsInt()).isGreaterThan(600);
            // the first request fills the cache; the others restore the document's whole blocks
            int cached = row.get("cached_prompt_tokens").getAsInt();
            if (row.get("request").getAsInt() == 0) {
                assertThat(cached).isZero();
            } else {
                assertThat(cached)
                        .as(row.toString())
                        .isGreaterThanOrEqualTo(592)
                        .isLessThan(624);
            }
        }
        assertThat(json.getAsJsonObject("cache")
                        .getAsJsonObject("rasd")
                        .get("hits")
                        .getAsInt())
                .isEqualTo(2);
        assertThat(r.out()).contains("| rasd |", "prefill ratio", "total ratio");
    }

    @Test
    void benchAndDemoOnAGpuWithoutCudaExitWithCodeTwoNamingTheDependency() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a CUDA GPU");
        for (String command : new String[] {"bench", "demo"}) {
            CliRunner r = command.equals("bench")
                    ? CliRunner.run(
                            command,
                            "--models",
                            REPO.resolve("models").toString(),
                            "--tasks",
                            REPO.resolve("bench").toString(),
                            "--device",
                            "gpu")
                    : CliRunner.run(command, "--models", REPO.resolve("models").toString(), "--device", "gpu");
            assertThat(r.exitCode()).as(command + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(command).contains("pytorch-native-cu128").contains("--device cpu");
        }
        CliRunner bad = CliRunner.run("demo", "--models", REPO.resolve("models").toString(), "--device", "tpu");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--device must be auto, cpu or gpu").contains("tpu");
    }

    @Test
    void anUnknownSuiteIsExplained() {
        CliRunner r = CliRunner.run("bench", "--suite", "huge");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("quick or full");
    }

    @Test
    void countsBelowOneAreRefusedBeforeAnyModelLoads() {
        CliRunner r = CliRunner.run("bench", "--suite", "prefix", "--prompts", "0");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--prompts and --max-new-tokens must be >= 1");
    }

    @Test
    void theHelpListsTheSharedAndTheOwnOptions() {
        CliRunner r = CliRunner.run("bench", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out())
                .contains(
                        "--suite=quick|full|prefix",
                        "--models=DIR",
                        "--tasks=DIR",
                        "--out=DIR",
                        "bench/results/SUITE",
                        "--prompts=N",
                        "--max-new-tokens=N",
                        "--temperature=T",
                        "--seed=S",
                        "--check-weights",
                        "./rasd bench --peers [--suite quick|full|decode|rag]");
    }
}
