package io.rasd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writers against the committed example runs in docs/benchmarks: the same JSON renders the same files. */
class BenchResultsTest {

    static final Path DOCS = TestData.root().getParent().resolve("docs").resolve("benchmarks");

    static JsonObject read(Path json) throws IOException {
        return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    }

    @Test
    void theBenchTableAndChartReproduceTheCommittedOnes() throws IOException {
        JsonObject json = read(DOCS.resolve("results.json"));
        assertThat(BenchTables.speedupByTask(json)).isEqualTo(Files.readString(DOCS.resolve("results.md")));
        assertThat(BenchCharts.speedupByTask(json)).isEqualTo(Files.readString(DOCS.resolve("chart.svg")));
    }

    /** The committed peers runs: docs/benchmarks/peers (quick) and each of its folders with a results.json. */
    static List<Path> peersRuns() throws IOException {
        Path peers = DOCS.resolve("peers");
        List<Path> runs = new ArrayList<>(List.of(peers));
        try (Stream<Path> dirs = Files.list(peers)) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("results.json")))
                    .sorted()
                    .forEach(runs::add);
        }
        return runs;
    }

    @Test
    void thePeersTablesAndChartsReproduceTheCommittedOnes() throws IOException {
        for (Path peers : peersRuns()) {
            JsonObject json = read(peers.resolve("results.json"));
            assertThat(BenchTables.ratesByModel(json)).isEqualTo(Files.readString(peers.resolve("results.md")));
            assertThat(BenchCharts.ratesByModel(json)).isEqualTo(Files.readString(peers.resolve("chart.svg")));
        }
    }

    @Test
    void theJsonIsWrittenAsCommitted() throws IOException {
        List<Path> files = new ArrayList<>(List.of(DOCS.resolve("results.json")));
        peersRuns().forEach(p -> files.add(p.resolve("results.json")));
        for (Path file : files) {
            assertThat(BenchResults.json(read(file)))
                    .isEqualTo(Files.readString(file).stripTrailing());
        }
    }

    @Test
    void writeWritesTheFilesAndPrintsTheTableAndWhereTheyWent(@TempDir Path tmp) throws IOException {
        JsonObject json = read(DOCS.resolve("results.json"));
        String out = capture(() -> BenchResults.write(tmp.resolve("a"), json, "| table |\n", "<svg/>\n"));
        assertThat(Files.readString(tmp.resolve("a/results.md"))).isEqualTo("| table |\n");
        assertThat(Files.readString(tmp.resolve("a/chart.svg"))).isEqualTo("<svg/>\n");
        assertThat(read(tmp.resolve("a/results.json"))).isEqualTo(json);
        assertThat(out)
                .isEqualTo("| table |\nwrote " + tmp.resolve("a/results.json") + ", results.md, chart.svg"
                        + System.lineSeparator());

        String noChart = capture(() -> BenchResults.write(tmp.resolve("b"), json, "t\n", null));
        assertThat(tmp.resolve("b/chart.svg")).doesNotExist();
        assertThat(noChart).endsWith(", results.md" + System.lineSeparator());
    }

    @Test
    void chartLabelsAreEscaped() {
        JsonObject json = JsonParser.parseString("{\"rows\": [{\"model\": \"a<b> & c\", \"engine\": \"x\", \"mode\":"
                        + " \"ar\", \"tokens_per_second\": 2.0, \"vs_rasd_ar\": 1.0}]}")
                .getAsJsonObject();
        assertThat(BenchCharts.ratesByModel(json))
                .contains("a&lt;b&gt; &amp; c")
                .doesNotContain("a<b>");
    }

    interface Io {
        void run() throws IOException;
    }

    static synchronized String capture(Io io) throws IOException {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            io.run();
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
