package io.rasd.peers;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PeerBenchTest {

    @Test
    void everyEngineAndModeGetsARowWithItsRateAndWhetherItsOutputMatchesRasdAr(@TempDir Path tmp) throws Exception {
        Path repo = TestData.root().getParent();
        Path out = tmp.resolve("out");
        int code = new CommandLine(new PeerBench())
                .execute(
                        "--models",
                        repo.resolve("models").toString(),
                        "--tasks",
                        repo.resolve("bench").toString(),
                        "--out",
                        out.toString(),
                        "--work",
                        tmp.resolve("work").toString(),
                        "--prompts",
                        "1",
                        "--max-new-tokens",
                        "4",
                        "--no-large");
        assertThat(code).as("rasd's modes reproduce rasd ar").isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject();
        List<String> rows = new ArrayList<>();
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            rows.add(r.get("engine").getAsString().split(" ")[0] + " "
                    + r.get("mode").getAsString());
            assertThat(r.get("tokens_per_second").getAsDouble()).isPositive();
            assertThat(r.get("tokens").getAsLong()).as("4 prompts x 4 tokens").isEqualTo(16);
            assertThat(r.get("same_output_as_rasd_ar").getAsDouble())
                    .as(r.toString())
                    .isEqualTo(1.0);
        }
        // jlama joins where its module is on the classpath (JDK 21+); llama.cpp is always there
        assertThat(rows).contains("rasd ar", "rasd draft", "rasd rasd", "llama.cpp ar", "llama.cpp draft");
        assertThat(Files.readString(out.resolve("results.md"))).contains("| rasd | ar | ");
        assertThat(Files.readString(out.resolve("chart.svg")))
                .startsWith("<svg")
                .contains("llama.cpp");
    }

    @Test
    void theHelpListsTheSharedAndTheOwnOptions() {
        String help = new CommandLine(new PeerBench()).getUsageMessage();
        assertThat(help)
                .contains(
                        "--suite=quick|full",
                        "--models=DIR",
                        "--tasks=DIR",
                        "--out=DIR",
                        "bench/results/peers",
                        "--work=DIR",
                        "--threads=N",
                        "--prompts=N",
                        "--max-new-tokens=N",
                        "--[no-]large");
    }

    @Test
    void anUnknownSuiteIsRefusedBeforeAnyEngineStarts() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new PeerBench()).setErr(new PrintWriter(err));
        assertThat(cmd.execute("--suite", "huge")).isNotZero();
        assertThat(err.toString()).contains("--suite must be quick or full, got \"huge\"");
    }
}
