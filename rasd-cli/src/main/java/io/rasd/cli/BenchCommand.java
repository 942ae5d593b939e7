package io.rasd.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.bench.AnswerOverlap;
import io.rasd.bench.BenchCharts;
import io.rasd.bench.BenchOptions;
import io.rasd.bench.BenchOptions.Settings;
import io.rasd.bench.BenchOptions.Suite;
import io.rasd.bench.BenchResults;
import io.rasd.bench.BenchTables;
import io.rasd.bench.BenchTasks;
import io.rasd.bench.DistinctNgrams;
import io.rasd.bench.MachineDescription;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.Drafter;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.draft.eagle.EagleHeadFormat;
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
import java.util.ArrayList;
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
 * starting mode rotates) so machine drift affects all alike. The drafting modes run twice when the models folder holds
 * an EAGLE head ({@code demo-eagle}): with the standalone draft model and, as {@code MODE+eagle}, with the head. Speedup is a mode's tokens per second over {@code ar}'s
 * on the same prompts; lossless_match the share of prompts whose output equals {@code ar}'s token for token (with
 * sampling: the same seed).
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmark every decoding mode on the DocQA, Summary, Code and In-domain QA tasks with the demo"
                + " models (the drafting modes also with the EAGLE head demo-eagle, as MODE+eagle); writes results.json, results.md and chart.svg. --suite prefix measures the prefix KV cache"
                + " instead (results.json, results.md).",
        footer = {
            "",
            "./rasd bench --peers [--suite quick|full|decode|rag] ... runs rasd next to llama.cpp and jlama instead"
                    + " (./rasd bench --peers --help lists its options)."
        })
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

    @Option(
            names = "--no-eagle",
            description = "Leave out the rows that draft with the EAGLE head models/demo-eagle (they run when the"
                    + " models folder has one)")
    boolean noEagle;

    @Option(names = "--check-weights", description = "Refuse weights holding NaN or +/-Inf (see generate)")
    boolean checkWeights;

    @picocli.CommandLine.Mixin
    PrecisionOption dtype = new PrecisionOption();

    @picocli.CommandLine.Mixin
    DeviceOption device = new DeviceOption();

    /** How the target was held, e.g. "f32 on cpu()": what {@code --dtype auto} and the device resolved to. */
    private String heldAs = "";

    /** The target's element type as held, e.g. "bf16": the table's dtype column. */
    private String dtypeHeld = "";

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
        LoadOptions load = LoadOptions.defaults()
                .withCheckFinite(checkWeights)
                .withPrecision(dtype.precision())
                .withDevice(device.device());
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
        Map<String, List<BenchTasks.Prompt>> promptsByTask = BenchTasks.loadPrompts(run.tasks(), run.promptsPerTask());
        SamplingParams sampling = new SamplingParams(temperature, 0, 1);
        Map<String, Map<String, Aggregate>> results = new LinkedHashMap<>();
        Map<String, DistinctNgrams> arDistinct = new LinkedHashMap<>();
        Map<String, AnswerOverlap> arOverlap = new LinkedHashMap<>();
        long start = System.nanoTime();
        Path headDir = modelDir.resolve("demo-eagle");
        boolean withHead = !noEagle && EagleHeadFormat.looksLikeEagleHead(headDir);
        try (CausalLm target = CausalLm.load(modelDir.resolve("demo-target"), load);
                CausalLm draft = CausalLm.load(modelDir.resolve("demo-draft"), load);
                Tokenizer tokenizer = Tokenizer.load(modelDir.resolve("demo-target"));
                Drafter head = withHead ? EagleDrafter.load(headDir, target, tokenizer.vocabSize()) : null;
                TokenDatastore store = CliCache.datastore("bench", tokenizer, run.corpus());
                RasdEngine engine = engine(target, draft, null, tokenizer, store);
                RasdEngine headEngine = withHead ? engine(target, null, head, tokenizer, store) : null) {
            heldAs = target.precision().label() + " on " + target.device();
            dtypeHeld = target.precision().label();
            // every mode with the standalone draft model; the drafting modes again with the EAGLE head, labelled
            List<Variant> variants = new ArrayList<>();
            for (DecodingMode m : DecodingMode.values()) {
                variants.add(new Variant(m.cliName(), m, "demo-draft", engine));
            }
            if (headEngine != null) {
                for (DecodingMode m : DecodingMode.values()) {
                    if (m.usesDraft()) {
                        variants.add(new Variant(m.cliName() + "+eagle", m, "demo-eagle", headEngine));
                    }
                }
            }
            int[] warm = tokenizer.encode(promptsByTask.get("code").get(0).text(), true);
            for (Variant v : variants) {
                v.engine().generate(new GenerationRequest(warm, 16, v.mode(), sampling, seed, List.of()));
            }
            int rotation = 0;
            for (Map.Entry<String, List<BenchTasks.Prompt>> e : promptsByTask.entrySet()) {
                Map<String, Aggregate> byVariant = new LinkedHashMap<>();
                variants.forEach(v -> byVariant.put(v.label(), new Aggregate(v)));
                DistinctNgrams distinct = new DistinctNgrams(4);
                AnswerOverlap overlap = new AnswerOverlap();
                boolean referenced = false;
                for (BenchTasks.Prompt prompt : e.getValue()) {
                    int[] ids = tokenizer.encode(prompt.text(), true);
                    Map<String, GenerationResult> runs = new LinkedHashMap<>();
                    for (Variant v : BenchTasks.rotated(variants, rotation)) {
                        runs.put(
                                v.label(),
                                v.engine()
                                        .generate(new GenerationRequest(
                                                ids, tokens, v.mode(), sampling, seed, List.of())));
                    }
                    rotation++;
                    int[] reference = runs.get(DecodingMode.AR.cliName()).tokens();
                    distinct.add(reference);
                    if (prompt.reference() != null) {
                        overlap.add(tokenizer.decode(reference, true), prompt.reference());
                        referenced = true;
                    }
                    runs.forEach((label, r) -> byVariant.get(label).add(r, Arrays.equals(r.tokens(), reference)));
                }
                results.put(e.getKey(), byVariant);
                arDistinct.put(e.getKey(), distinct);
                if (referenced) {
                    arOverlap.put(e.getKey(), overlap);
                }
                System.err.printf(
                        Locale.ROOT,
                        "bench: %s done (%d prompts), %.0f s%n",
                        e.getKey(),
                        e.getValue().size(),
                        (System.nanoTime() - start) / 1e9);
            }
        }
        JsonObject json =
                report(results, arDistinct, arOverlap, run.promptsPerTask(), tokens, (System.nanoTime() - start) / 1e9);
        BenchResults.write(run.out(), json, BenchTables.speedupByTask(json), BenchCharts.speedupByTask(json));
        boolean lossless = true;
        for (var row : json.getAsJsonArray("rows")) {
            lossless &= row.getAsJsonObject().get("lossless_match").getAsDouble() == 1.0;
        }
        return lossless ? 0 : 3;
    }

    private static RasdEngine engine(
            CausalLm target, CausalLm draft, Drafter drafter, Tokenizer tokenizer, TokenDatastore store) {
        return RasdEngine.builder()
                .target(target)
                .draft(draft)
                .drafter(drafter)
                .tokenizer(tokenizer)
                .datastore(store)
                .speculation(SpeculationConfig.DEFAULT)
                .build();
    }

    /** A row of the table: a mode run by an engine with one drafter (the standalone draft model or the EAGLE head). */
    record Variant(String label, DecodingMode mode, String drafter, RasdEngine engine) {}

    /** Sums over a task's prompts for one variant. */
    static final class Aggregate {
        final Variant variant;
        long tokens;
        long forwards;
        double seconds;
        int prompts;
        int matches;
        final Map<TokenOrigin, Long> bySource = new EnumMap<>(TokenOrigin.class);
        /** Where the decoding time went, and what adaptive control did: summed over the task's prompts. */
        double draftSeconds;

        double retrievalSeconds;
        double verifySeconds;
        long draftForwards;
        double treeNodes;
        long draftSkips;
        long retrievalSkips;
        long plainSteps;

        Aggregate(Variant variant) {
            this.variant = variant;
        }

        void add(GenerationResult r, boolean match) {
            tokens += r.tokens().length;
            forwards += r.stats().targetForwards();
            seconds += r.stats().seconds();
            prompts++;
            matches += match ? 1 : 0;
            draftSeconds += r.stats().draftSeconds();
            retrievalSeconds += r.stats().retrievalSeconds();
            verifySeconds += r.stats().verifySeconds();
            draftForwards += r.stats().draftForwards();
            treeNodes += r.stats().meanTreeNodes() * r.stats().targetForwards();
            draftSkips += r.stats().draftSkips();
            retrievalSkips += r.stats().retrievalSkips();
            plainSteps += r.stats().plainSteps();
            for (TokenOrigin o : TokenOrigin.values()) {
                bySource.merge(o, (long) r.stats().accepted(o), Long::sum);
            }
        }

        double rate() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    private JsonObject report(
            Map<String, Map<String, Aggregate>> results,
            Map<String, DistinctNgrams> arDistinct,
            Map<String, AnswerOverlap> arOverlap,
            int perTask,
            int tokens,
            double seconds)
            throws IOException {
        JsonObject root = new JsonObject();
        root.add("machine", MachineDescription.current().toJson());
        JsonObject config = new JsonObject();
        config.addProperty("suite", suite);
        config.addProperty("prompts_per_task", perTask);
        config.addProperty("max_new_tokens", tokens);
        config.addProperty("temperature", temperature);
        config.addProperty("seed", seed);
        config.addProperty("weights", heldAs);
        config.addProperty("speculation", SpeculationConfig.DEFAULT.toString());
        config.addProperty("seconds", seconds);
        root.add("config", config);
        JsonArray rows = new JsonArray();
        for (var e : results.entrySet()) {
            double arRate = e.getValue().get(DecodingMode.AR.cliName()).rate();
            for (Aggregate a : e.getValue().values()) {
                JsonObject row = new JsonObject();
                row.addProperty("task", e.getKey());
                row.addProperty("mode", a.variant.label());
                row.addProperty("drafter", a.variant.mode().usesDraft() ? a.variant.drafter() : "none");
                row.addProperty("dtype", dtypeHeld);
                row.addProperty("speedup", arRate > 0 ? a.rate() / arRate : 0);
                row.addProperty("tau", a.forwards > 0 ? (double) a.tokens / a.forwards : 0);
                row.addProperty("tokens_per_second", a.rate());
                row.addProperty("lossless_match", (double) a.matches / a.prompts);
                row.addProperty("tokens", a.tokens);
                // the same for every lossless row of the task: the ar output's, so a looping model shows
                row.addProperty(
                        "distinct_4gram_ratio", arDistinct.get(e.getKey()).ratio());
                if (arOverlap.containsKey(e.getKey())) {
                    // share of the ar answer's words quoting the reference section (docqa): answer quality
                    row.addProperty("answer_overlap", arOverlap.get(e.getKey()).ratio());
                }
                JsonObject by = new JsonObject();
                for (TokenOrigin o : TokenOrigin.values()) {
                    by.addProperty(o.wireName(), a.bySource.getOrDefault(o, 0L));
                }
                row.add("accepted_by_source", by);
                // where the time went: what a speed cell is made of, so a mode that trails another can be explained
                JsonObject time = new JsonObject();
                time.addProperty("decode_seconds", a.seconds);
                time.addProperty("draft_seconds", a.draftSeconds);
                time.addProperty("retrieval_seconds", a.retrievalSeconds);
                time.addProperty("verify_seconds", a.verifySeconds);
                time.addProperty("draft_forwards", a.draftForwards);
                time.addProperty("mean_tree_nodes", a.forwards > 0 ? a.treeNodes / a.forwards : 0);
                time.addProperty("draft_skips", a.draftSkips);
                time.addProperty("retrieval_skips", a.retrievalSkips);
                time.addProperty("plain_steps", a.plainSteps);
                row.add("time", time);
                rows.add(row);
            }
        }
        root.add("rows", rows);
        return root;
    }
}
