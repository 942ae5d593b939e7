package io.rasd.peers;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.bench.BenchCache;
import io.rasd.bench.BenchCharts;
import io.rasd.bench.BenchOptions;
import io.rasd.bench.BenchOptions.Settings;
import io.rasd.bench.BenchOptions.Suite;
import io.rasd.bench.BenchResults;
import io.rasd.bench.BenchTables;
import io.rasd.bench.BenchTasks;
import io.rasd.bench.MachineDescription;
import io.rasd.datastore.DatastoreBuilder;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.model.RandomCheckpoint;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./rasd bench --peers}: rasd next to other engines on the same checkpoints, in one process, greedy, the same
 * token ids for every engine, engines interleaved per prompt (the first one rotates) so machine drift hits all alike.
 *
 * <p>Two groups. The demo target (and draft) measure plain decoding and speculative decoding: rasd {@code ar},
 * {@code draft} and {@code rasd} against each peer's plain decoding and llama.cpp's own draft-model speculation. A
 * random checkpoint shaped like a 0.5B model measures plain decoding where the weights, not the dispatch, dominate
 * (cost only: its output is noise, but still compared engine to engine).
 *
 * <p>Every engine times the whole request as its caller sees it, prefill included. Prompts are distinct and follow
 * each other across tasks, so llama.cpp's prompt cache (needed for its speculation) never reuses a previous prompt's
 * prefix beyond the BOS token.
 */
@Command(
        name = "bench --peers",
        mixinStandardHelpOptions = true,
        description = "rasd vs jlama vs llama.cpp on the demo models and a 0.5B-shaped random checkpoint; writes"
                + " results.json, results.md and chart.svg")
public final class PeerBench implements Callable<Integer> {

    @Option(
            names = "--suite",
            defaultValue = "quick",
            paramLabel = "quick|full",
            description = "quick: 1 prompt per task, 32 tokens (demo), 2 prompts x 16 tokens (0.5B); full: 3 prompts"
                    + " per task, 64 tokens, and 4 x 32 on the 0.5B. --prompts sets the demo models' prompts per"
                    + " task (the 0.5B takes the first 2 or 4 of them), --max-new-tokens both models' tokens")
    String suite;

    @Mixin
    BenchOptions options;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go (default: bench/results/peers)")
    Path out;

    @Option(
            names = "--work",
            paramLabel = "DIR",
            description = "Cache for GGUF exports and the 0.5B checkpoint (default: ~/.cache/rasd/peers)")
    Path work;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads for the peers (default: all cores)")
    Integer threads;

    @Option(
            names = "--large",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Also measure the 0.5B-shaped random checkpoint (default: on; it needs ~6 GB of disk)")
    boolean large;

    /** Qwen2.5-0.5B's depth and widths on a Llama body with our tokenizer's vocabulary: 0.49B parameters. */
    static final RandomCheckpoint LARGE_SHAPE = RandomCheckpoint.llama()
            .vocab(4096)
            .hidden(1024)
            .intermediate(5632)
            .layers(24)
            .heads(16, 8)
            .maxPositions(2048)
            .tied(true)
            .seed(5);

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        int code = new CommandLine(new PeerBench())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof RasdException) {
                        cmd.getErr().println("rasd: " + e.getMessage());
                        return 2;
                    }
                    throw e;
                })
                .execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() throws IOException {
        Settings run = options.resolve(
                Suite.pick(suite, "quick or full", new Suite("quick", 1, 32), new Suite("full", 3, 64)), out, "peers");
        boolean full = suite.equals("full");
        int tokens = run.maxNewTokens();
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Path modelDir = run.models();
        Path workDir = work != null ? work : Path.of(System.getProperty("user.home"), ".cache", "rasd", "peers");
        Files.createDirectories(workDir);

        List<PeerProvider> providers = new ArrayList<>();
        JsonArray skipped = new JsonArray();
        for (PeerProvider p : ServiceLoader.load(PeerProvider.class)) {
            p.unavailableReason()
                    .ifPresentOrElse(
                            why -> {
                                System.err.println("peers: " + p.id() + " skipped: " + why);
                                skipped.add(p.id() + ": " + why);
                            },
                            () -> providers.add(p));
        }
        if (providers.stream().noneMatch(p -> p.id().equals("jlama"))
                && skipped.asList().stream().noneMatch(s -> s.getAsString().startsWith("jlama"))) {
            String why = "rasd-peers-jlama is not on the classpath (it needs JDK 21+; ./rasd bench --peers builds it"
                    + " with a JDK 21+ found under /usr/lib/jvm or in RASD_PEERS_JAVA_HOME)";
            System.err.println("peers: jlama skipped: " + why);
            skipped.add("jlama: " + why);
        }

        List<int[]> demoPrompts;
        Path target = modelDir.resolve("demo-target");
        Path draft = modelDir.resolve("demo-draft");
        List<Row> rows = new ArrayList<>();
        long start = System.nanoTime();
        try (Tokenizer tokenizer = Tokenizer.load(target)) {
            demoPrompts = new ArrayList<>();
            for (String prompt : BenchTasks.acrossTasks(BenchTasks.load(run.tasks(), run.promptsPerTask()))) {
                demoPrompts.add(tokenizer.encode(prompt, true));
            }
            try (CausalLm t = CausalLm.load(target);
                    CausalLm d = CausalLm.load(draft);
                    TokenDatastore store = datastore(tokenizer, run.corpus());
                    RasdEngine engine = RasdEngine.builder()
                            .target(t)
                            .draft(d)
                            .tokenizer(tokenizer)
                            .datastore(store)
                            .speculation(SpeculationConfig.DEFAULT)
                            .build()) {
                List<Contender> contenders = new ArrayList<>();
                contenders.add(Contender.rasd(engine, DecodingMode.AR, tokenizer));
                contenders.add(Contender.rasd(engine, DecodingMode.DRAFT, tokenizer));
                contenders.add(Contender.rasd(engine, DecodingMode.RASD, tokenizer));
                List<Peer> opened = new ArrayList<>();
                try {
                    for (PeerProvider p : providers) {
                        Peer plain = p.open(target, null, nThreads, workDir);
                        opened.add(plain);
                        contenders.add(Contender.peer(plain, "ar", tokenizer));
                        if (p.supportsDraft()) {
                            Peer spec = p.open(target, draft, nThreads, workDir);
                            opened.add(spec);
                            contenders.add(Contender.peer(spec, "draft", tokenizer));
                        }
                    }
                    String label = "demo-target (" + params(t) + ", "
                            + t.config().numLayers() + " layers), draft " + "demo-draft (" + params(d) + ")";
                    rows.addAll(measure(label, contenders, demoPrompts, tokens, tokenizer));
                } finally {
                    opened.forEach(Peer::close);
                }
            }
            if (large) {
                Path largeDir = workDir.resolve("llama-0.5b-random");
                if (!Files.isRegularFile(largeDir.resolve("model.safetensors"))) {
                    System.err.println("peers: writing the 0.5B-shaped random checkpoint to " + largeDir + " (2 GB)");
                    LARGE_SHAPE.tokenizerFrom(target).writeTo(largeDir);
                }
                int largeTokens = options.maxNewTokens(full ? 32 : 16);
                List<int[]> largePrompts = demoPrompts.subList(0, Math.min(demoPrompts.size(), full ? 4 : 2));
                try (CausalLm t = CausalLm.load(largeDir);
                        RasdEngine engine = RasdEngine.builder()
                                .target(t)
                                .tokenizer(tokenizer)
                                .build()) {
                    List<Contender> contenders = new ArrayList<>();
                    contenders.add(Contender.rasd(engine, DecodingMode.AR, tokenizer));
                    List<Peer> opened = new ArrayList<>();
                    try {
                        for (PeerProvider p : providers) {
                            Peer plain = p.open(largeDir, null, nThreads, workDir);
                            opened.add(plain);
                            contenders.add(Contender.peer(plain, "ar", tokenizer));
                        }
                        String label = "random Llama shaped like a 0.5B model (" + params(t) + ", "
                                + t.config().numLayers() + " layers, hidden "
                                + t.config().hiddenSize() + ")";
                        rows.addAll(measure(label, contenders, largePrompts, largeTokens, tokenizer));
                    } finally {
                        opened.forEach(Peer::close);
                    }
                }
            }
        }
        JsonObject json =
                report(rows, skipped, run.promptsPerTask(), tokens, nThreads, (System.nanoTime() - start) / 1e9);
        BenchResults.write(run.out(), json, BenchTables.ratesByModel(json), BenchCharts.ratesByModel(json));
        // rasd's own modes must reproduce rasd ar exactly; a peer's differing output is reported, not fatal
        boolean lossless =
                rows.stream().filter(r -> r.engine.startsWith("rasd")).allMatch(r -> r.matches == r.runs);
        return lossless ? 0 : 3;
    }

    /** One engine in one mode, as a function from prompt to output. */
    interface Contender {
        String engine();

        String mode();

        Outcome run(int[] prompt, int maxNewTokens);

        static Contender rasd(RasdEngine engine, DecodingMode mode, Tokenizer tokenizer) {
            return new Contender() {
                public String engine() {
                    return "rasd";
                }

                public String mode() {
                    return mode.cliName();
                }

                public Outcome run(int[] prompt, int n) {
                    long t0 = System.nanoTime();
                    GenerationResult r = engine.generate(
                            new GenerationRequest(prompt, n, mode, new SamplingParams(0, 0, 1), 7L, List.of()));
                    double s = (System.nanoTime() - t0) / 1e9;
                    return new Outcome(
                            r.tokens().length,
                            tokenizer.decode(r.tokens(), false),
                            s,
                            r.stats().targetForwards());
                }
            };
        }

        static Contender peer(Peer peer, String mode, Tokenizer tokenizer) {
            return new Contender() {
                public String engine() {
                    return peer.name();
                }

                public String mode() {
                    return mode;
                }

                public Outcome run(int[] prompt, int n) {
                    PeerGeneration g = peer.greedy(prompt, n);
                    String text = g.text() != null ? g.text() : tokenizer.decode(g.tokens(), false);
                    return new Outcome(g.tokenCount(), text, g.seconds(), 0);
                }
            };
        }
    }

    record Outcome(int tokens, String text, double seconds, long forwards) {}

    /** Sums over the prompts for one contender. */
    static final class Row {
        final String model;
        final String engine;
        final String mode;
        long tokens;
        double seconds;
        long forwards;
        int runs;
        int matches;

        Row(String model, String engine, String mode) {
            this.model = model;
            this.engine = engine;
            this.mode = mode;
        }

        double rate() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    private static List<Row> measure(
            String model, List<Contender> contenders, List<int[]> prompts, int tokens, Tokenizer tokenizer) {
        System.err.println("peers: " + model + ": warming up " + contenders.size() + " engines");
        // a warm-up prompt of its own: reusing a measured prompt would hand llama.cpp's prompt cache its prefix
        int[] warm = tokenizer.encode("Warm-up: the quick brown fox jumps over the lazy dog.", true);
        for (Contender c : contenders) {
            c.run(warm, 8);
        }
        Map<Contender, Row> rows = new LinkedHashMap<>();
        contenders.forEach(c -> rows.put(c, new Row(model, c.engine(), c.mode())));
        int rotation = 0;
        for (int[] prompt : prompts) {
            Map<Contender, Outcome> outcomes = new LinkedHashMap<>();
            for (Contender c : BenchTasks.rotated(contenders, rotation)) {
                outcomes.put(c, c.run(prompt, tokens));
            }
            rotation++;
            String reference = outcomes.get(contenders.get(0)).text();
            outcomes.forEach((c, o) -> {
                Row r = rows.get(c);
                r.tokens += o.tokens();
                r.seconds += o.seconds();
                r.forwards += o.forwards();
                r.runs++;
                // rasd ar stops at end-of-sequence, the peers are told to go on: compare what both produced
                r.matches += o.text().startsWith(reference) || reference.startsWith(o.text()) ? 1 : 0;
            });
            System.err.printf(
                    Locale.ROOT,
                    "peers: prompt %d/%d (%d tokens):%s%n",
                    rotation,
                    prompts.size(),
                    prompt.length,
                    summary(outcomes));
        }
        return new ArrayList<>(rows.values());
    }

    private static String summary(Map<Contender, Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        outcomes.forEach((c, o) -> sb.append(String.format(
                Locale.ROOT,
                " %s %s %.1f tok/s;",
                c.engine(),
                c.mode(),
                o.seconds() > 0 ? o.tokens() / o.seconds() : 0)));
        return sb.toString();
    }

    /** The benchmark's datastore: the one `./rasd bench` cached, else built here from the same documents. */
    private static TokenDatastore datastore(Tokenizer tokenizer, List<Path> corpus) {
        Path cache = BenchCache.datastoreFile("bench", tokenizer);
        if (!Files.isRegularFile(cache)) {
            System.err.println("peers: building the benchmark datastore from " + corpus);
            DatastoreBuilder.Result r = new DatastoreBuilder(tokenizer).build(corpus);
            r.datastore().save(cache, tokenizer);
            r.datastore().close();
        }
        return TokenDatastore.open(cache, tokenizer);
    }

    private static String params(CausalLm m) {
        long p = m.config().parameterCount();
        return p >= 100_000_000
                ? String.format(Locale.ROOT, "%.2fB params", p / 1e9)
                : String.format(Locale.ROOT, "%.1fM params", p / 1e6);
    }

    private JsonObject report(List<Row> rows, JsonArray skipped, int perTask, int tokens, int nThreads, double seconds)
            throws IOException {
        JsonObject root = new JsonObject();
        root.add("machine", MachineDescription.current().toPeersJson());
        JsonObject config = new JsonObject();
        config.addProperty("suite", "peers-" + suite);
        config.addProperty("prompts_per_task", perTask);
        config.addProperty("max_new_tokens", tokens);
        config.addProperty("temperature", 0);
        config.addProperty("peer_threads", nThreads);
        config.addProperty("speculation", SpeculationConfig.DEFAULT.toString());
        config.addProperty("seconds", seconds);
        config.add("skipped", skipped);
        root.add("config", config);
        JsonArray out = new JsonArray();
        Map<String, Double> arRate = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.engine.equals("rasd") && r.mode.equals("ar")) {
                arRate.put(r.model, r.rate());
            }
        }
        for (Row r : rows) {
            JsonObject row = new JsonObject();
            row.addProperty("model", r.model);
            row.addProperty("engine", r.engine);
            row.addProperty("mode", r.mode);
            row.addProperty("tokens_per_second", r.rate());
            double base = arRate.getOrDefault(r.model, 0.0);
            row.addProperty("vs_rasd_ar", base > 0 ? r.rate() / base : 0);
            row.addProperty("tokens", r.tokens);
            row.addProperty("seconds", r.seconds);
            row.addProperty("same_output_as_rasd_ar", (double) r.matches / r.runs);
            if (r.forwards > 0) {
                row.addProperty("tau", (double) r.tokens / r.forwards);
            }
            out.add(row);
        }
        root.add("rows", out);
        return root;
    }
}
