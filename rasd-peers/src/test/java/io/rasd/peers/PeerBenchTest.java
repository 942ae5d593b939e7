package io.rasd.peers;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PeerBenchTest {

    /** The benchmark on the demo models only, 1 prompt per task, results to {@code tmp/out}, its cache in tmp. */
    private static int demoOnly(Path tmp, String... args) {
        Path repo = TestData.root().getParent();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--models",
                repo.resolve("models").toString(),
                "--tasks",
                repo.resolve("bench").toString(),
                "--out",
                tmp.resolve("out").toString(),
                "--work",
                tmp.resolve("work").toString(),
                "--prompts",
                "1",
                "--no-large"));
        return new CommandLine(new PeerBench()).execute(all.toArray(String[]::new));
    }

    @Test
    void everyEngineAndModeGetsARowWithItsRateAndWhetherItsOutputMatchesRasdAr(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        int code = demoOnly(tmp, "--max-new-tokens", "4");
        assertThat(code).as("rasd's modes reproduce rasd ar").isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject();
        List<String> rows = new ArrayList<>();
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            rows.add(r.get("engine").getAsString().split(" ")[0] + " "
                    + r.get("mode").getAsString());
            assertThat(r.get("tokens_per_second").getAsDouble()).isPositive();
            // 4 prompts x 4 tokens; rasd stops at the model's end token (a chat prompt may reach it early), the
            // peers are told to ignore it and compared on the text before it
            assertThat(r.get("tokens").getAsLong()).as("4 prompts x 4 tokens").isBetween(13L, 16L);
            assertThat(r.get("same_output_as_rasd_ar").getAsDouble())
                    .as(r.toString())
                    .isEqualTo(1.0);
            // rasd's models load in auto precision (bf16 where the CPU has native bf16 dot products), the peers in f32
            assertThat(r.get("dtype").getAsString())
                    .isIn(r.get("engine").getAsString().equals("rasd") ? List.of("f32", "bf16") : List.of("f32"));
            double first = r.get("first_token_seconds").getAsDouble();
            assertThat(first)
                    .as("within the request")
                    .isPositive()
                    .isLessThanOrEqualTo(r.get("seconds").getAsDouble());
            assertThat(r.get("decode_tokens_per_second").getAsDouble()).isPositive();
        }
        assertThat(json.getAsJsonObject("config").get("rasd_threads").getAsInt())
                .isPositive();
        JsonObject ar = json.getAsJsonArray("rows").get(0).getAsJsonObject();
        assertThat(ar.get("mode").getAsString()).isEqualTo("ar");
        assertThat(ar.get("distinct_4").getAsDouble())
                .as("rasd ar's distinct 4-grams")
                .isBetween(0.0, 1.0);
        assertThat(json.getAsJsonArray("rows").get(1).getAsJsonObject().has("distinct_4"))
                .isFalse();
        assertThat(Files.readString(out.resolve("results.md"))).contains("distinct 4-grams of rasd ar's output: ");
        // jlama joins where its module is on the classpath (JDK 21+); llama.cpp is always there
        assertThat(rows).contains("rasd ar", "rasd draft", "rasd rasd", "llama.cpp ar", "llama.cpp draft");
        assertThat(Files.readString(out.resolve("results.md"))).contains("| rasd | ar | ");
        assertThat(Files.readString(out.resolve("chart.svg")))
                .startsWith("<svg")
                .contains("llama.cpp");
    }

    @Test
    void withDtypeBf16RasdRunsBf16AndLlamaCppItsF16ExportReportedByTokenShare(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        int code = demoOnly(tmp, "--dtype", "bf16", "--max-new-tokens", "4");
        assertThat(code).as("rasd's modes reproduce rasd ar in bf16").isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject();
        assertThat(json.getAsJsonObject("config").get("rasd_dtype").getAsString())
                .isEqualTo("bf16");
        List<String> rows = new ArrayList<>();
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            String engine = r.get("engine").getAsString().split(" ")[0];
            rows.add(engine + " " + r.get("mode").getAsString() + " "
                    + r.get("dtype").getAsString());
            if (engine.equals("rasd")) {
                // same dtype as rasd ar: still held to its output
                assertThat(r.get("same_output_as_rasd_ar").getAsDouble())
                        .as(r.toString())
                        .isEqualTo(1.0);
                assertThat(r.has("tokens_matching_rasd_ar")).isFalse();
            } else {
                // another dtype: how much of rasd ar's output it reproduces, not a check
                assertThat(r.has("same_output_as_rasd_ar")).as(r.toString()).isFalse();
                assertThat(r.get("tokens_matching_rasd_ar").getAsDouble()).isBetween(0.0, 1.0);
            }
        }
        assertThat(rows)
                .containsExactly(
                        "rasd ar bf16", "rasd draft bf16", "rasd rasd bf16", "llama.cpp ar f16", "llama.cpp draft f16");
        try (var files = Files.list(tmp.resolve("work"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .anyMatch(f -> f.startsWith("demo-target-") && f.endsWith(".f16.gguf"))
                    .anyMatch(f -> f.startsWith("demo-draft-") && f.endsWith(".f16.gguf"))
                    .noneMatch(f -> f.endsWith(".f32.gguf"));
        }
        assertThat(Files.readString(out.resolve("results.md")))
                .contains("| rasd | ar | bf16 | ", "| f16 | ", " of tokens |", "cannot be expected to reproduce");
    }

    @Test
    void dtypeAutoIsRefusedBeforeAnyEngineStarts() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new PeerBench()).setErr(new PrintWriter(err));
        assertThat(cmd.execute("--dtype", "auto")).isNotZero();
        assertThat(err.toString()).contains("--dtype must be f32, bf16 or f16 for bench --peers, got \"auto\"");
    }

    @Test
    void theDecodeSuiteRunsRasdAndLlamaCppOnShortPrompts(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        int code = demoOnly(tmp, "--suite", "decode", "--max-new-tokens", "3");
        assertThat(code).isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject();
        JsonObject config = json.getAsJsonObject("config");
        assertThat(config.get("suite").getAsString()).isEqualTo("peers-decode");
        JsonObject group = config.getAsJsonArray("models").get(0).getAsJsonObject();
        assertThat(group.get("prompts").getAsInt()).isEqualTo(4);
        assertThat(group.get("prompt_tokens_max").getAsInt()).isLessThanOrEqualTo(PeerBench.SHORT_PROMPT_TOKENS);
        List<String> rows = new ArrayList<>();
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            rows.add(r.get("engine").getAsString().split(" ")[0] + " "
                    + r.get("mode").getAsString());
        }
        assertThat(rows).containsExactly("rasd ar", "rasd draft", "rasd rasd", "llama.cpp ar", "llama.cpp draft");
        assertThat(Files.readString(out.resolve("results.md")))
                .contains("4 prompts of ", "3 new tokens each", "| first token (ms) | decode tok/s |");
    }

    @Test
    void theRagSuiteTakesPromptsOf600To1500TokensSpreadOverTheirLengthsAcrossTasks() throws Exception {
        Path repo = TestData.root().getParent();
        try (Tokenizer tokenizer = Tokenizer.load(repo.resolve("models").resolve("demo-target"))) {
            List<int[]> rag = PeerBench.prompts(PeerBench.Prompts.LONG, repo.resolve("bench"), 2, tokenizer);
            // summary and code have such prompts; docqa's (a question and two ~200-token segments) are shorter, and
            // in-domain QA's are questions of a line
            assertThat(rag).hasSize(4);
            assertThat(rag).allSatisfy(p -> assertThat(p.length).isBetween(600, 1500));
            assertThat(rag.get(0)).isNotEqualTo(rag.get(2));
            List<int[]> quick = PeerBench.prompts(PeerBench.Prompts.WHOLE, repo.resolve("bench"), 1, tokenizer);
            List<int[]> decode = PeerBench.prompts(PeerBench.Prompts.SHORT, repo.resolve("bench"), 1, tokenizer);
            assertThat(decode).hasSameSizeAs(quick);
            for (int i = 0; i < quick.size(); i++) {
                int[] whole = quick.get(i);
                int[] tail = decode.get(i);
                assertThat(tail.length).isEqualTo(Math.min(whole.length, PeerBench.SHORT_PROMPT_TOKENS));
                assertThat(tail[0]).isEqualTo(whole[0]);
                assertThat(Arrays.copyOfRange(tail, 1, tail.length))
                        .isEqualTo(Arrays.copyOfRange(whole, whole.length - tail.length + 1, whole.length));
            }
        }
    }

    @Test
    void spreadByLengthKeepsTheLongestAndFileOrder() {
        List<int[]> prompts = List.of(new int[5], new int[1], new int[4], new int[2], new int[3]);
        assertThat(PeerBench.spreadByLength(prompts, 2))
                .extracting(p -> p.length)
                .as("the longest, then the middle rank")
                .containsExactly(5, 3);
        assertThat(PeerBench.spreadByLength(prompts, 9))
                .extracting(p -> p.length)
                .containsExactly(5, 1, 4, 2, 3);
        assertThat(PeerBench.spreadByLength(List.of(), 2)).isEmpty();
    }

    @Test
    void theHelpListsTheSharedAndTheOwnOptions() {
        String help = new CommandLine(new PeerBench()).getUsageMessage();
        assertThat(help)
                .contains(
                        "--suite=quick|full|decode|rag",
                        "--models=DIR",
                        "--tasks=DIR",
                        "--out=DIR",
                        "bench/results/peers",
                        "--work=DIR",
                        "--threads=N",
                        "--prompts=N",
                        "--max-new-tokens=N",
                        "--[no-]large",
                        "--dtype=f32|bf16|f16");
    }

    /** A contender that logs each run with whether its engine is the only one open, and answers {@code text}. */
    private static PeerBench.Contender fake(
            String engine, String mode, String text, List<String> log, List<String> open) {
        return new PeerBench.Contender() {
            public String engine() {
                return engine;
            }

            public String mode() {
                return mode;
            }

            public String dtype() {
                return "f32";
            }

            public PeerBench.Outcome run(int[] prompt, int n) {
                log.add(engine + " " + mode + " " + prompt.length
                        + (open.equals(List.of(engine)) ? "" : " with " + open));
                return new PeerBench.Outcome(n, new int[] {1, 2, 3, 4, 1, 2, 3, 4}, text, 0.5, 0.1, n);
            }
        };
    }

    private static PeerBench.Stage stage(String engine, List<String> open, List<PeerBench.Contender> contenders) {
        open.add(engine);
        AutoCloseable closer = () -> open.remove(engine);
        return new PeerBench.Stage(contenders, List.of(closer), null, null);
    }

    @Test
    void eachEngineRunsEveryPromptAloneAndIsClosedBeforeTheNextLoads() throws Exception {
        Path repo = TestData.root().getParent();
        List<String> log = new ArrayList<>();
        List<String> open = new ArrayList<>();
        List<int[]> prompts = List.of(new int[] {0, 5, 6}, new int[] {0, 7});
        try (Tokenizer tokenizer = Tokenizer.load(repo.resolve("models/demo-target"))) {
            PeerBench.Stage rasd = stage(
                    "rasd",
                    open,
                    List.of(fake("rasd", "ar", "same", log, open), fake("rasd", "rasd", "same", log, open)));
            List<PeerBench.Row> rows = PeerBench.measure(
                    "m",
                    rasd,
                    List.of(
                            () -> stage("peer", open, List.of(fake("peer", "ar", "same and more", log, open))),
                            () -> stage("other", open, List.of(fake("other", "ar", "different", log, open)))),
                    prompts,
                    4,
                    tokenizer);
            assertThat(open).as("every stage closed").isEmpty();
            assertThat(log).as("no run while another engine was loaded").noneMatch(l -> l.contains(" with "));
            int warm = tokenizer.encode("Warm-up: the quick brown fox jumps over the lazy dog.", true).length;
            // rasd: warm-up, then per prompt the untimed run that sets the token count and both modes, the first
            // rotating; then each peer alone
            assertThat(log)
                    .containsExactly(
                            "rasd ar " + warm,
                            "rasd rasd " + warm,
                            "rasd ar 3",
                            "rasd ar 3",
                            "rasd rasd 3",
                            "rasd ar 2",
                            "rasd rasd 2",
                            "rasd ar 2",
                            "peer ar " + warm,
                            "peer ar 3",
                            "peer ar 2",
                            "other ar " + warm,
                            "other ar 3",
                            "other ar 2");
            assertThat(rows)
                    .extracting(r -> r.engine + " " + r.mode + " " + r.matches + "/" + r.runs)
                    .containsExactly("rasd ar 2/2", "rasd rasd 2/2", "peer ar 2/2", "other ar 0/2");
            // rasd ar's two outputs, 1 2 3 4 1 2 3 4 each: 4 distinct of 5 4-grams in each (counted within an output)
            assertThat(rows.get(0).distinct4).isEqualTo(0.8);
            assertThat(rows.get(1).distinct4).isNaN();
        }
    }

    @Test
    void anUnknownSuiteIsRefusedBeforeAnyEngineStarts() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new PeerBench()).setErr(new PrintWriter(err));
        assertThat(cmd.execute("--suite", "huge")).isNotZero();
        assertThat(err.toString()).contains("--suite must be quick, full, decode, rag or ttft, got \"huge\"");
    }

    @Test
    void theTtftSuiteNeedsTheLargeShapeAndSaysSoBeforeAnyEngineStarts() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new PeerBench()).setErr(new PrintWriter(err));
        assertThat(cmd.execute("--suite", "ttft", "--no-large")).isNotZero();
        assertThat(err.toString()).contains("--suite ttft measures the 0.5B shape only");
    }

    @Test
    void theTtftSuiteCutsOnePromptOfEachLengthFromTheTaskTextWithoutSharedPrefixes() throws Exception {
        Path repo = TestData.root().getParent();
        try (Tokenizer tokenizer = Tokenizer.load(repo.resolve("models").resolve("demo-target"))) {
            List<int[]> sweep = PeerBench.sweepPrompts(repo.resolve("bench"), tokenizer);
            assertThat(sweep).extracting(p -> p.length).containsExactly(256, 1024, 4096);
            int bos = tokenizer.bosTokenId().orElseThrow();
            assertThat(sweep).allSatisfy(p -> assertThat(p[0]).isEqualTo(bos));
            // each starts where the one before ended: no prefix beyond BOS is shared (llama.cpp's prompt cache)
            assertThat(sweep.get(1)[1]).isNotEqualTo(sweep.get(0)[1]);
            assertThat(sweep.get(2)[1]).isNotEqualTo(sweep.get(1)[1]);
            // real text: the first prompt's tokens are the first task prompt's, BOS aside
            List<int[]> whole = PeerBench.prompts(PeerBench.Prompts.WHOLE, repo.resolve("bench"), 1, tokenizer);
            int[] first = whole.get(0);
            int n = Math.min(first.length, 256);
            assertThat(Arrays.copyOfRange(sweep.get(0), 0, n)).isEqualTo(Arrays.copyOf(first, n));
        }
    }
}
