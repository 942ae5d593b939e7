package io.rasd.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.bench.BenchCharts;
import io.rasd.bench.BenchOptions;
import io.rasd.bench.BenchOptions.Settings;
import io.rasd.bench.BenchOptions.Suite;
import io.rasd.bench.BenchResults;
import io.rasd.bench.BenchTables;
import io.rasd.bench.BenchTasks;
import io.rasd.bench.MachineDescription;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.model.LoadOptions;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The paper's table on the demo models: every mode on every task, in one process, modes interleaved per prompt (the
 * starting mode rotates) so machine drift affects all alike. Speedup is a mode's tokens per second over {@code ar}'s
 * on the same prompts; lossless_match the share of prompts whose output equals {@code ar}'s token for token (with
 * sampling: the same seed).
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmark every decoding mode on the DocQA, Summary, Code and In-domain QA tasks with the demo"
                + " models; writes results.json, results.md and chart.svg. --suite prefix measures the prefix KV cache"
                + " instead (results.json, results.md).")
final class BenchCommand implements Callable<Integer> {

    @Option(
            names = "--suite",
            defaultValue = "quick",
            paramLabel = "quick|full|prefix",
            description = "quick: 1 prompt per task, 32 tokens (CI smoke test, < 3 min); full: 8 prompts, 128 tokens;"
                    + " prefix: the prefix KV cache off vs on, 8 requests (--prompts) sharing a 600-token document,"
                    + " 32 tokens")
    String suite;

    @Mixin
    BenchOptions options;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go (default: bench/results/SUITE)")
    Path out;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 = greedy (default)")
    double temperature;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "S", description = "Sampling seed (every mode alike)")
    long seed;

    @Option(names = "--check-weights", description = "Refuse weights holding NaN or +/-Inf (see generate)")
    boolean checkWeights;

    @Override
    public Integer call() throws IOException {
        Settings run = options.resolve(
                Suite.pick(
                        suite,
                        "quick or full (the paper's table) or prefix (the prefix KV" + " cache)",
                        new Suite("quick", 1, 32),
                        new Suite("full", 8, 128),
                        new Suite("prefix", 8, 32)),
                out,
                suite);
        LoadOptions load = LoadOptions.defaults().withCheckFinite(checkWeights);
        if (suite.equals("prefix")) {
            return new PrefixBench(
                            run.models(),
                            run.corpus(),
                            run.out(),
                            run.promptsPerTask(),
                            run.maxNewTokens(),
                            new SamplingParams(temperature, 0, 1),
                            seed,
                            load)
                    .run();
        }
        Path modelDir = run.models();
        int tokens = run.maxNewTokens();
        Map<String, List<String>> promptsByTask = BenchTasks.load(run.tasks(), run.promptsPerTask());
        SamplingParams sampling = new SamplingParams(temperature, 0, 1);
        List<DecodingMode> modes = List.of(DecodingMode.values());
        Map<String, Map<DecodingMode, Aggregate>> results = new LinkedHashMap<>();
        long start = System.nanoTime();
        try (CausalLm target = CausalLm.load(modelDir.resolve("demo-target"), load);
                CausalLm draft = CausalLm.load(modelDir.resolve("demo-draft"), load);
                Tokenizer tokenizer = Tokenizer.load(modelDir.resolve("demo-target"));
                TokenDatastore store = CliCache.datastore("bench", tokenizer, run.corpus());
                RasdEngine engine = RasdEngine.builder()
                        .target(target)
                        .draft(draft)
                        .tokenizer(tokenizer)
                        .datastore(store)
                        .speculation(SpeculationConfig.DEFAULT)
                        .build()) {
            int[] warm = tokenizer.encode(promptsByTask.get("code").get(0), true);
            for (DecodingMode m : modes) {
                engine.generate(new GenerationRequest(warm, 16, m, sampling, seed, List.of()));
            }
            int rotation = 0;
            for (Map.Entry<String, List<String>> e : promptsByTask.entrySet()) {
                Map<DecodingMode, Aggregate> byMode = new EnumMap<>(DecodingMode.class);
                for (String prompt : e.getValue()) {
                    int[] ids = tokenizer.encode(prompt, true);
                    Map<DecodingMode, GenerationResult> runs = new EnumMap<>(DecodingMode.class);
                    for (DecodingMode m : BenchTasks.rotated(modes, rotation)) {
                        runs.put(m, engine.generate(new GenerationRequest(ids, tokens, m, sampling, seed, List.of())));
                    }
                    rotation++;
                    int[] reference = runs.get(DecodingMode.AR).tokens();
                    runs.forEach((m, r) -> byMode.computeIfAbsent(m, k -> new Aggregate())
                            .add(r, Arrays.equals(r.tokens(), reference)));
                }
                results.put(e.getKey(), byMode);
                System.err.printf(
                        Locale.ROOT,
                        "bench: %s done (%d prompts), %.0f s%n",
                        e.getKey(),
                        e.getValue().size(),
                        (System.nanoTime() - start) / 1e9);
            }
        }
        JsonObject json = report(results, run.promptsPerTask(), tokens, (System.nanoTime() - start) / 1e9);
        BenchResults.write(run.out(), json, BenchTables.speedupByTask(json), BenchCharts.speedupByTask(json));
        boolean lossless = true;
        for (var row : json.getAsJsonArray("rows")) {
            lossless &= row.getAsJsonObject().get("lossless_match").getAsDouble() == 1.0;
        }
        return lossless ? 0 : 3;
    }

    /** Sums over a task's prompts for one mode. */
    static final class Aggregate {
        long tokens;
        long forwards;
        double seconds;
        int prompts;
        int matches;
        final Map<TokenOrigin, Long> bySource = new EnumMap<>(TokenOrigin.class);

        void add(GenerationResult r, boolean match) {
            tokens += r.tokens().length;
            forwards += r.stats().targetForwards();
            seconds += r.stats().seconds();
            prompts++;
            matches += match ? 1 : 0;
            for (TokenOrigin o : TokenOrigin.values()) {
                bySource.merge(o, (long) r.stats().accepted(o), Long::sum);
            }
        }

        double rate() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    private JsonObject report(
            Map<String, Map<DecodingMode, Aggregate>> results, int perTask, int tokens, double seconds)
            throws IOException {
        JsonObject root = new JsonObject();
        root.add("machine", MachineDescription.current().toJson());
        JsonObject config = new JsonObject();
        config.addProperty("suite", suite);
        config.addProperty("prompts_per_task", perTask);
        config.addProperty("max_new_tokens", tokens);
        config.addProperty("temperature", temperature);
        config.addProperty("seed", seed);
        config.addProperty("speculation", SpeculationConfig.DEFAULT.toString());
        config.addProperty("seconds", seconds);
        root.add("config", config);
        JsonArray rows = new JsonArray();
        for (var e : results.entrySet()) {
            double arRate = e.getValue().get(DecodingMode.AR).rate();
            for (var m : e.getValue().entrySet()) {
                Aggregate a = m.getValue();
                JsonObject row = new JsonObject();
                row.addProperty("task", e.getKey());
                row.addProperty("mode", m.getKey().cliName());
                row.addProperty("speedup", arRate > 0 ? a.rate() / arRate : 0);
                row.addProperty("tau", a.forwards > 0 ? (double) a.tokens / a.forwards : 0);
                row.addProperty("tokens_per_second", a.rate());
                row.addProperty("lossless_match", (double) a.matches / a.prompts);
                row.addProperty("tokens", a.tokens);
                JsonObject by = new JsonObject();
                for (TokenOrigin o : TokenOrigin.values()) {
                    by.addProperty(o.wireName(), a.bySource.getOrDefault(o, 0L));
                }
                row.add("accepted_by_source", by);
                rows.add(row);
            }
        }
        root.add("rows", rows);
        return root;
    }
}
