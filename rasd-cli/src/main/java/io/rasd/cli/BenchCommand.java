package io.rasd.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.tree.TokenOrigin;
import io.rasd.model.CausalLm;
import io.rasd.model.LoadOptions;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The paper's table on the demo models: every mode on every task, in one process, modes interleaved per prompt (the
 * starting mode rotates) so machine drift affects all alike. Speedup is a mode's tokens per second over {@code ar}'s
 * on the same prompts; lossless_match the share of prompts whose output equals {@code ar}'s token for token (with
 * sampling: the same seed).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark every decoding mode on the DocQA, Summary, Code and In-domain QA tasks with the demo"
                + " models; writes results.json, results.md and chart.svg. --suite prefix measures the prefix KV cache"
                + " instead (results.json, results.md).")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--suite", defaultValue = "quick", paramLabel = "quick|full|prefix",
            description = "quick: 1 prompt per task, 32 tokens (CI smoke test, < 3 min); full: 8 prompts, 128 tokens;"
                    + " prefix: the prefix KV cache off vs on, 8 requests sharing a 600-token document, 32 tokens")
    String suite;

    @Option(names = "--models", paramLabel = "DIR", description = "Demo models folder (default: models/)")
    Path models;

    @Option(names = "--tasks", paramLabel = "DIR", description = "Folder with tasks/*.jsonl and corpus/ (default: bench/)")
    Path bench;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go (default: bench/results/SUITE)")
    Path out;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 = greedy (default)")
    double temperature;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "S", description = "Sampling seed (every mode alike)")
    long seed;

    @Option(names = "--prompts", paramLabel = "N",
            description = "Prompts per task, or requests of the prefix suite (overrides the suite)")
    Integer prompts;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens per prompt (overrides the suite)")
    Integer maxNewTokens;

    @Option(names = "--check-weights", description = "Refuse weights holding NaN or +/-Inf (see generate)")
    boolean checkWeights;

    static final List<String> TASKS = List.of("docqa", "summary", "code", "indomain-qa");

    @Override
    public Integer call() throws IOException {
        int perTask;
        int tokens;
        switch (suite) {
            case "quick" -> { perTask = 1; tokens = 32; }
            case "full", "prefix" -> { perTask = 8; tokens = suite.equals("full") ? 128 : 32; }
            default -> throw new RasdException("--suite must be quick or full (the paper's table) or prefix (the"
                    + " prefix KV cache), got \"" + suite + "\"");
        }
        perTask = prompts != null ? prompts : perTask;
        tokens = maxNewTokens != null ? maxNewTokens : tokens;
        if (perTask < 1 || tokens < 1) {
            throw new RasdException("--prompts and --max-new-tokens must be >= 1");
        }
        Path home = Path.of(System.getProperty("rasd.home", "."));
        Path modelDir = models != null ? models : home.resolve("models");
        Path benchDir = bench != null ? bench : home.resolve("bench");
        Path outDir = out != null ? out : benchDir.resolve("results").resolve(suite);
        LoadOptions load = LoadOptions.defaults().withCheckFinite(checkWeights);
        List<Path> corpus = List.of(modelDir.resolve("demo-corpus"), benchDir.resolve("corpus"));
        if (suite.equals("prefix")) {
            return new PrefixBench(modelDir, corpus, outDir, perTask, tokens, new SamplingParams(temperature, 0, 1),
                    seed, load).run();
        }
        Map<String, List<String>> promptsByTask = new LinkedHashMap<>();
        for (String task : TASKS) {
            Path file = benchDir.resolve("tasks").resolve(task + ".jsonl");
            if (!Files.isRegularFile(file)) {
                throw new RasdException(file + " is missing: the benchmark needs bench/tasks/*.jsonl (give another"
                        + " folder with --tasks)");
            }
            List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
            List<String> picked = new ArrayList<>();
            // spread the picks over the file: neighbouring prompts often share a document
            for (int i = 0; i < Math.min(perTask, lines.size()); i++) {
                String line = lines.get((int) ((long) i * lines.size() / Math.min(perTask, lines.size())));
                picked.add(JsonParser.parseString(line).getAsJsonObject().get("prompt").getAsString());
            }
            promptsByTask.put(task, picked);
        }
        SamplingParams sampling = new SamplingParams(temperature, 0, 1);
        List<DecodingMode> modes = List.of(DecodingMode.values());
        Map<String, Map<DecodingMode, Aggregate>> results = new LinkedHashMap<>();
        long start = System.nanoTime();
        try (CausalLm target = CausalLm.load(modelDir.resolve("demo-target"), load);
             CausalLm draft = CausalLm.load(modelDir.resolve("demo-draft"), load);
             Tokenizer tokenizer = Tokenizer.load(modelDir.resolve("demo-target"));
             TokenDatastore store = CliCache.datastore("bench", tokenizer, corpus);
             RasdEngine engine = RasdEngine.builder().target(target).draft(draft).tokenizer(tokenizer)
                     .datastore(store).speculation(SpeculationConfig.DEFAULT).build()) {
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
                    for (int k = 0; k < modes.size(); k++) {
                        DecodingMode m = modes.get((k + rotation) % modes.size());
                        runs.put(m, engine.generate(new GenerationRequest(ids, tokens, m, sampling, seed, List.of())));
                    }
                    rotation++;
                    int[] reference = runs.get(DecodingMode.AR).tokens();
                    runs.forEach((m, r) -> byMode.computeIfAbsent(m, k -> new Aggregate())
                            .add(r, Arrays.equals(r.tokens(), reference)));
                }
                results.put(e.getKey(), byMode);
                System.err.printf(Locale.ROOT, "bench: %s done (%d prompts), %.0f s%n", e.getKey(),
                        e.getValue().size(), (System.nanoTime() - start) / 1e9);
            }
        }
        JsonObject json = report(results, perTask, tokens, (System.nanoTime() - start) / 1e9);
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("results.json"),
                new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(json));
        String table = markdown(json);
        Files.writeString(outDir.resolve("results.md"), table);
        Files.writeString(outDir.resolve("chart.svg"), BenchChart.svg(json));
        System.out.print(table);
        System.out.println("wrote " + outDir.resolve("results.json") + ", results.md, chart.svg");
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

    private JsonObject report(Map<String, Map<DecodingMode, Aggregate>> results, int perTask, int tokens,
                              double seconds) throws IOException {
        JsonObject root = new JsonObject();
        JsonObject machine = new JsonObject();
        machine.addProperty("cpu", cpuModel());
        machine.addProperty("cores", Runtime.getRuntime().availableProcessors());
        machine.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.addProperty("java", System.getProperty("java.version"));
        machine.addProperty("engine", "DJL 0.36.0 / PyTorch 2.7.1, f32 on CPU");
        machine.addProperty("date", ZonedDateTime.now().withNano(0).toString());
        root.add("machine", machine);
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

    /** Modes down, tasks across, speedup and τ in each cell, the mean speedup last: like the paper's table. */
    static String markdown(JsonObject json) {
        Map<String, Map<String, double[]>> cells = new LinkedHashMap<>();
        List<String> tasks = new ArrayList<>();
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            String task = r.get("task").getAsString();
            if (!tasks.contains(task)) {
                tasks.add(task);
            }
            cells.computeIfAbsent(r.get("mode").getAsString(), k -> new LinkedHashMap<>()).put(task,
                    new double[] {r.get("speedup").getAsDouble(), r.get("tau").getAsDouble(),
                        r.get("lossless_match").getAsDouble()});
        }
        JsonObject machine = json.getAsJsonObject("machine");
        JsonObject config = json.getAsJsonObject("config");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Suite `%s`: %d prompts per task, %d new tokens, temperature %s; %s,"
                        + " %d cores, %s. Cells: speedup over ar (τ = tokens per target forward).%n%n",
                config.get("suite").getAsString(), config.get("prompts_per_task").getAsInt(),
                config.get("max_new_tokens").getAsInt(), config.get("temperature").getAsString(),
                machine.get("cpu").getAsString(), machine.get("cores").getAsInt(), machine.get("engine").getAsString()));
        sb.append("| mode |");
        tasks.forEach(t -> sb.append(' ').append(t).append(" |"));
        sb.append(" mean speedup | lossless |\n|---|");
        tasks.forEach(t -> sb.append("---|"));
        sb.append("---|---|\n");
        for (var e : cells.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            double sum = 0;
            double lossless = 1;
            for (String t : tasks) {
                double[] c = e.getValue().get(t);
                sb.append(String.format(Locale.ROOT, " %.2fx (τ %.2f) |", c[0], c[1]));
                sum += c[0];
                lossless = Math.min(lossless, c[2]);
            }
            sb.append(String.format(Locale.ROOT, " %.2fx | %s |%n", sum / tasks.size(),
                    lossless == 1.0 ? "1.0" : String.format(Locale.ROOT, "%.2f", lossless)));
        }
        return sb.toString();
    }

    private static String cpuModel() throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            for (String line : Files.readAllLines(info)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        return System.getProperty("os.arch");
    }
}
