package io.rasd.peers;

import ai.djl.pytorch.jni.JniUtils;
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
import io.rasd.bench.DistinctNgrams;
import io.rasd.bench.MachineDescription;
import io.rasd.datastore.DatastoreBuilder;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.model.LoadOptions;
import io.rasd.model.ModelConfig;
import io.rasd.model.Precision;
import io.rasd.model.RandomCheckpoint;
import io.rasd.runtime.TorchThreads;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./rasd bench --peers}: rasd next to other engines on the same checkpoints, in one process, greedy, the same
 * token ids for every engine, one engine loaded at a time (another's loaded model slowed rasd's decoding by a quarter:
 * {@link Stage}); within an engine its modes take turns per prompt, the first one rotating.
 *
 * <p>Two groups. The demo target (and draft) measure plain decoding and speculative decoding: rasd {@code ar},
 * {@code draft} and {@code rasd} against each peer's plain decoding and llama.cpp's own draft-model speculation. A
 * random checkpoint shaped like a 0.5B model measures plain decoding where the weights, not the dispatch, dominate
 * (cost only: its output is noise, but still compared engine to engine).
 *
 * <p>Every engine times the whole request as its caller sees it, prefill included, and when its first generated token
 * reached the caller (time to first token: the prefill and the first token's step). Decode tokens/s counts the tokens
 * after the first over the time after the first. Suites: {@code quick} and {@code full} (whole task prompts, few
 * tokens), {@code decode} (short prompts, 256 tokens: decoding speed) and {@code rag} (600 to 1,500-token prompts, 128
 * tokens: what a RAG caller waits for). Prompts are distinct and follow each other across tasks, so llama.cpp's prompt
 * cache (needed for its speculation) never reuses a previous prompt's prefix beyond the BOS token.
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
            paramLabel = "quick|full|decode|rag|ttft",
            description = "quick: 1 whole task prompt per task, 32 new tokens (0.5B: 2 prompts x 16); full: 3 per"
                    + " task, 64 tokens (0.5B: 4 x 32); decode: 2 short prompts per task (each prompt's last 31"
                    + " tokens after BOS), 256 tokens (0.5B: 2 x 256); rag: 2 prompts of 600 to 1,500 tokens per task"
                    + " that has them (docqa, summary, code), 128 tokens (0.5B: 2 x 128); ttft: the 0.5B only, one"
                    + " prompt each of 256, 1,024 and 4,096 tokens cut from the task prompts, 16 tokens. decode, rag"
                    + " and ttft run rasd and llama.cpp only. --prompts sets the demo models' prompts per task (the 0.5B takes the first"
                    + " ones), --max-new-tokens both models' tokens")
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

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Compute threads for every engine, rasd's PyTorch included unless -D" + TorchThreads.INTRA_OP
                    + " is set (default: all cores)")
    Integer threads;

    @Option(
            names = "--large",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Also measure the 0.5B-shaped random checkpoint (default: on; it needs ~6 GB of disk)")
    boolean large;

    @Option(
            names = "--dtype",
            defaultValue = "f32",
            paramLabel = "f32|bf16|f16",
            description = "What rasd holds its models' weights and KV cache in (default: f32). With bf16 or f16,"
                    + " llama.cpp runs f16 GGUFs of the same checkpoints with its default f16 KV cache; rows in another"
                    + " dtype than rasd ar's are compared by the share of rasd ar's tokens they reproduce")
    String dtype;

    /** The 0.5B shape's window: the ttft suite's longest prompt (4,096 tokens) and its answer fit. */
    static final int LARGE_POSITIONS = 8192;

    /**
     * Qwen2.5-0.5B's depth and widths on a Llama body with our tokenizer's vocabulary: 0.49B parameters (Qwen2.5's
     * window is 32,768 positions; 8,192 here, as llama.cpp allocates its cache for the whole window).
     */
    static final RandomCheckpoint LARGE_SHAPE = RandomCheckpoint.llama()
            .vocab(4096)
            .hidden(1024)
            .intermediate(5632)
            .layers(24)
            .heads(16, 8)
            .maxPositions(LARGE_POSITIONS)
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

    /** A suite: which prompts, how many, and how many new tokens, on the demo models and on the 0.5B shape. */
    record PeerSuite(
            String name,
            Prompts prompts,
            int perTask,
            int tokens,
            int largePrompts,
            int largeTokens,
            boolean allPeers) {

        Suite defaults() {
            return new Suite(name, perTask, tokens);
        }
    }

    /**
     * Whole task prompts, each prompt's end (short), the prompts of RAG length (long), or one prompt of each of {@link
     * #SWEEP_TOKENS} tokens (sweep: the 0.5B shape only).
     */
    enum Prompts {
        WHOLE,
        SHORT,
        LONG,
        SWEEP
    }

    /**
     * The ttft suite's prompt lengths, BOS included: time to first token from a short prompt to a long document. Only
     * the 0.5B shape runs them (the demo models' window is 2,048 positions).
     */
    static final int[] SWEEP_TOKENS = {256, 1024, 4096};

    static final List<PeerSuite> SUITES = List.of(
            new PeerSuite("quick", Prompts.WHOLE, 1, 32, 2, 16, true),
            new PeerSuite("full", Prompts.WHOLE, 3, 64, 4, 32, true),
            new PeerSuite("decode", Prompts.SHORT, 2, 256, 2, 256, false),
            new PeerSuite("rag", Prompts.LONG, 2, 128, 2, 128, false),
            new PeerSuite("ttft", Prompts.SWEEP, 1, 16, SWEEP_TOKENS.length, 16, false));

    /** The decode suite's prompts: BOS and each task prompt's last tokens, this many in all. */
    static final int SHORT_PROMPT_TOKENS = 32;

    /** The rag suite's prompt lengths, BOS included. */
    static final int RAG_MIN_TOKENS = 600;

    static final int RAG_MAX_TOKENS = 1500;

    /**
     * f32 weights and cache, whatever the CPU (the default {@code --dtype f32}): the peers run f32 (their outputs are
     * held to rasd's), and {@code auto} would keep a bf16 checkpoint in bf16 on a CPU with native bf16.
     */
    private static final LoadOptions SAME_MATH = LoadOptions.defaults().withPrecision(Precision.F32);

    /** {@code --dtype}: f32, bf16 or f16 ({@code auto} is refused: the report must say what ran). */
    static Precision precision(String dtype) {
        Precision p = Precision.parse(dtype, "--dtype");
        if (p == Precision.AUTO) {
            throw new RasdException("--dtype must be f32, bf16 or f16 for bench --peers, got \"" + dtype + "\"");
        }
        return p;
    }

    /**
     * The precision rasd runs {@code model}'s weights and KV cache in ({@code auto} resolved), for the results'
     * {@code dtype} column: the one place it is read from.
     */
    static String rasdDtype(CausalLm model) {
        return model.precision().label();
    }

    @Override
    public Integer call() throws IOException {
        PeerSuite picked = SUITES.stream()
                .filter(x -> x.name().equals(suite))
                .findFirst()
                .orElseThrow(() ->
                        new RasdException("--suite must be quick, full, decode, rag or ttft, got \"" + suite + "\""));
        if (picked.prompts() == Prompts.SWEEP && !large) {
            throw new RasdException("--suite ttft measures the 0.5B shape only: --no-large leaves nothing to run");
        }
        Precision precision = precision(dtype);
        LoadOptions load =
                precision == Precision.F32 ? SAME_MATH : LoadOptions.defaults().withPrecision(precision);
        Settings run = options.resolve(picked.defaults(), out, "peers");
        int tokens = run.maxNewTokens();
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (System.getProperty(TorchThreads.INTRA_OP) == null) {
            // every engine on the same threads; read by DJL when PyTorch starts (below, at the first model load)
            System.setProperty(TorchThreads.INTRA_OP, String.valueOf(nThreads));
        }
        Path modelDir = run.models();
        Path workDir = work != null ? work : Path.of(System.getProperty("user.home"), ".cache", "rasd", "peers");
        Files.createDirectories(workDir);

        List<PeerProvider> providers = new ArrayList<>();
        JsonArray skipped = new JsonArray();
        for (PeerProvider p : ServiceLoader.load(PeerProvider.class)) {
            Optional<String> why = p.unavailableReason();
            if (why.isEmpty() && !picked.allPeers() && !p.id().equals("llama.cpp")) {
                why = Optional.of("the " + picked.name() + " suite compares rasd with llama.cpp only (quick and full"
                        + " run every peer)");
            }
            why.ifPresentOrElse(
                    w -> {
                        System.err.println("peers: " + p.id() + " skipped: " + w);
                        skipped.add(p.id() + ": " + w);
                    },
                    () -> providers.add(p));
        }
        if (picked.allPeers()
                && providers.stream().noneMatch(p -> p.id().equals("jlama"))
                && skipped.asList().stream().noneMatch(x -> x.getAsString().startsWith("jlama"))) {
            String why = "rasd-peers-jlama is not on the classpath (it needs JDK 21+; ./rasd bench --peers builds it"
                    + " with a JDK 21+ found under /usr/lib/jvm or in RASD_PEERS_JAVA_HOME)";
            System.err.println("peers: jlama skipped: " + why);
            skipped.add("jlama: " + why);
        }

        List<int[]> demoPrompts;
        Path target = modelDir.resolve("demo-target");
        Path draft = modelDir.resolve("demo-draft");
        List<Row> rows = new ArrayList<>();
        JsonArray groups = new JsonArray();
        long start = System.nanoTime();
        MachineLoad loadAtStart = MachineLoad.now();
        int rasdThreads = 0;
        String pytorchFeatures = "";
        boolean sweep = picked.prompts() == Prompts.SWEEP;
        try (Tokenizer tokenizer = Tokenizer.load(target)) {
            demoPrompts = sweep
                    ? sweepPrompts(run.tasks(), tokenizer)
                    : prompts(picked.prompts(), run.tasks(), run.promptsPerTask(), tokenizer);
            if (!sweep) {
                Stage demo = rasdStage(target, draft, load, tokenizer, run.corpus());
                CausalLm t = demo.target();
                rasdThreads = JniUtils.getNumThreads();
                // torch.__config__'s equivalent through DJL: what a user gets with no extra setup
                pytorchFeatures = String.join(", ", new TreeSet<>(JniUtils.getFeatures()));
                String label = "demo-target (" + params(t) + ", " + t.config().numLayers() + " layers), draft "
                        + "demo-draft (" + demo.draftParams() + ")";
                List<StageOpener> peers = new ArrayList<>();
                for (PeerProvider p : providers) {
                    // one stage per engine: llama.cpp's plain and draft-model configurations load together (a
                    // draft-model peer opened after a closed plain one answered differently from its first token on)
                    peers.add(() -> {
                        List<Contender.Opened> opened = new ArrayList<>();
                        try {
                            opened.add(Contender.peer(
                                    p.open(target, null, nThreads, workDir, precision), "ar", tokenizer));
                            if (p.supportsDraft()) {
                                opened.add(Contender.peer(
                                        p.open(target, draft, nThreads, workDir, precision), "draft", tokenizer));
                            }
                        } catch (RuntimeException | Error e) {
                            Stage.of(opened).closeQuietly(e);
                            throw e;
                        }
                        return Stage.of(opened);
                    });
                }
                groups.add(group(label, demoPrompts, tokens));
                rows.addAll(measure(label, demo, peers, demoPrompts, tokens, tokenizer));
            }
            if (large) {
                Path largeDir = workDir.resolve("llama-0.5b-random");
                if (!Files.isRegularFile(largeDir.resolve("model.safetensors"))
                        || ModelConfig.read(largeDir).maxPositions() != LARGE_POSITIONS) {
                    System.err.println("peers: writing the 0.5B-shaped random checkpoint to " + largeDir + " (2 GB)");
                    LARGE_SHAPE.tokenizerFrom(target).writeTo(largeDir);
                }
                int largeTokens = options.maxNewTokens(picked.largeTokens());
                List<int[]> largePrompts = demoPrompts.subList(0, Math.min(demoPrompts.size(), picked.largePrompts()));
                Stage big = rasdStage(largeDir, null, load, tokenizer, null);
                if (sweep) {
                    rasdThreads = JniUtils.getNumThreads();
                    pytorchFeatures = String.join(", ", new TreeSet<>(JniUtils.getFeatures()));
                }
                CausalLm lt = big.target();
                String largeLabel = "random Llama shaped like a 0.5B model (" + params(lt) + ", "
                        + lt.config().numLayers() + " layers, hidden "
                        + lt.config().hiddenSize() + ")";
                List<StageOpener> largePeers = new ArrayList<>();
                for (PeerProvider p : providers) {
                    largePeers.add(() -> Stage.of(
                            Contender.peer(p.open(largeDir, null, nThreads, workDir, precision), "ar", tokenizer)));
                }
                if (sweep) {
                    // one group per prompt length, each measured alone: its rows are that length's time to first
                    // token (rasd's stage loaded anew for each, as the peers' are)
                    for (int i = 0; i < largePrompts.size(); i++) {
                        int[] p = largePrompts.get(i);
                        String label = largeLabel + ", " + p.length + "-token prompt";
                        Stage stage = i == 0 ? big : rasdStage(largeDir, null, load, tokenizer, null);
                        groups.add(group(label, List.of(p), largeTokens));
                        rows.addAll(measure(label, stage, largePeers, List.of(p), largeTokens, tokenizer));
                    }
                } else {
                    groups.add(group(largeLabel, largePrompts, largeTokens));
                    rows.addAll(measure(largeLabel, big, largePeers, largePrompts, largeTokens, tokenizer));
                }
            }
        }
        double otherLoad = MachineLoad.now().otherShareSince(loadAtStart);
        JsonObject json = report(
                rows,
                groups,
                skipped,
                run.promptsPerTask(),
                tokens,
                nThreads,
                rasdThreads,
                pytorchFeatures,
                otherLoad,
                (System.nanoTime() - start) / 1e9);
        BenchResults.write(run.out(), json, BenchTables.ratesByModel(json), BenchCharts.ratesByModel(json));
        // rasd's own modes must reproduce rasd ar exactly; a peer's differing output is reported, not fatal
        boolean lossless =
                rows.stream().filter(r -> r.engine.startsWith("rasd")).allMatch(r -> r.matches == r.runs);
        return lossless ? 0 : 3;
    }

    /**
     * The suite's prompts as token ids (BOS first), across tasks in turn: whole task prompts ({@code perTask} of each
     * task), each prompt's last {@link #SHORT_PROMPT_TOKENS} - 1 tokens after BOS, or {@code perTask} prompts of
     * {@link #RAG_MIN_TOKENS} to {@link #RAG_MAX_TOKENS} tokens from each task that has such (spread over their
     * lengths, the longest included).
     */
    static List<int[]> prompts(Prompts kind, Path tasks, int perTask, Tokenizer tokenizer) throws IOException {
        Map<String, List<int[]>> byTask = new LinkedHashMap<>();
        if (kind == Prompts.LONG) {
            for (Map.Entry<String, List<String>> e :
                    BenchTasks.load(tasks, Integer.MAX_VALUE).entrySet()) {
                List<int[]> fit = new ArrayList<>();
                for (String p : e.getValue()) {
                    int[] ids = tokenizer.encode(p, true);
                    if (ids.length >= RAG_MIN_TOKENS && ids.length <= RAG_MAX_TOKENS) {
                        fit.add(ids);
                    }
                }
                byTask.put(e.getKey(), spreadByLength(fit, perTask));
            }
        } else {
            for (Map.Entry<String, List<String>> e :
                    BenchTasks.load(tasks, perTask).entrySet()) {
                List<int[]> ids = new ArrayList<>();
                for (String p : e.getValue()) {
                    int[] whole = tokenizer.encode(p, true);
                    ids.add(kind == Prompts.SHORT ? lastTokens(whole, SHORT_PROMPT_TOKENS) : whole);
                }
                byTask.put(e.getKey(), ids);
            }
        }
        List<int[]> out = BenchTasks.acrossTasks(byTask);
        if (out.isEmpty()) {
            throw new RasdException("No prompt of " + RAG_MIN_TOKENS + " to " + RAG_MAX_TOKENS + " tokens in " + tasks);
        }
        return out;
    }

    /**
     * The ttft suite's prompts: BOS (where the tokenizer has one) and then text tokens, {@code length} in all, for each of {@link #SWEEP_TOKENS}, cut one after the
     * other from the task prompts' tokens (across tasks in turn), so no two prompts share a prefix beyond BOS.
     */
    static List<int[]> sweepPrompts(Path tasks, Tokenizer tokenizer) throws IOException {
        List<int[]> texts = new ArrayList<>();
        Map<String, List<int[]>> byTask = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e :
                BenchTasks.load(tasks, Integer.MAX_VALUE).entrySet()) {
            List<int[]> ids = new ArrayList<>();
            for (String p : e.getValue()) {
                ids.add(tokenizer.encode(p, false));
            }
            byTask.put(e.getKey(), ids);
        }
        texts.addAll(BenchTasks.acrossTasks(byTask));
        OptionalInt bos = tokenizer.bosTokenId();
        int head = bos.isPresent() ? 1 : 0;
        int needed = Arrays.stream(SWEEP_TOKENS).map(n -> n - head).sum();
        int[] stream = texts.stream().flatMapToInt(Arrays::stream).limit(needed).toArray();
        if (stream.length < needed) {
            throw new RasdException("The task prompts in " + tasks + " hold " + stream.length + " tokens; the ttft"
                    + " suite cuts " + needed + " from them");
        }
        List<int[]> out = new ArrayList<>();
        int at = 0;
        for (int n : SWEEP_TOKENS) {
            int[] p = new int[n];
            if (head == 1) {
                p[0] = bos.getAsInt();
            }
            System.arraycopy(stream, at, p, head, n - head);
            at += n - head;
            out.add(p);
        }
        return out;
    }

    /** The first token (BOS) and the last {@code n - 1}; the prompt itself when it is no longer than {@code n}. */
    static int[] lastTokens(int[] prompt, int n) {
        if (prompt.length <= n) {
            return prompt;
        }
        int[] out = new int[n];
        out[0] = prompt[0];
        System.arraycopy(prompt, prompt.length - (n - 1), out, 1, n - 1);
        return out;
    }

    /** {@code k} of {@code prompts} at evenly spaced ranks by length, the longest among them (file order kept). */
    static List<int[]> spreadByLength(List<int[]> prompts, int k) {
        List<int[]> sorted = new ArrayList<>(prompts);
        sorted.sort((a, b) -> Integer.compare(a.length, b.length));
        int n = sorted.size();
        List<int[]> picked = new ArrayList<>();
        for (int i = 0; i < Math.min(k, n); i++) {
            // ranks n-1, n-1-step, ...: the longest first, the rest spread below it
            picked.add(sorted.get(n - 1 - (int) ((long) i * n / Math.min(k, n))));
        }
        List<int[]> inOrder = new ArrayList<>(prompts);
        inOrder.removeIf(p -> picked.stream().noneMatch(q -> q == p));
        return inOrder;
    }

    private static JsonObject group(String model, List<int[]> prompts, int tokens) {
        JsonObject g = new JsonObject();
        g.addProperty("model", model);
        g.addProperty("prompts", prompts.size());
        g.addProperty(
                "prompt_tokens_min",
                prompts.stream().mapToInt(p -> p.length).min().orElse(0));
        g.addProperty(
                "prompt_tokens_max",
                prompts.stream().mapToInt(p -> p.length).max().orElse(0));
        g.addProperty("max_new_tokens", tokens);
        return g;
    }

    /** One engine in one mode, as a function from prompt to output. */
    interface Contender {
        String engine();

        String mode();

        String dtype();

        Outcome run(int[] prompt, int maxNewTokens);

        static Contender rasd(RasdEngine engine, DecodingMode mode, Tokenizer tokenizer, String dtype) {
            return new Contender() {
                public String engine() {
                    return "rasd";
                }

                public String mode() {
                    return mode.cliName();
                }

                public String dtype() {
                    return dtype;
                }

                public Outcome run(int[] prompt, int n) {
                    long[] first = {0};
                    long t0 = System.nanoTime();
                    GenerationResult r = engine.generate(
                            new GenerationRequest(prompt, n, mode, new SamplingParams(0, 0, 1), 7L, List.of()),
                            (ids, origins, text) -> {
                                if (ids.length > 0 && first[0] == 0) {
                                    first[0] = System.nanoTime();
                                }
                            });
                    long t1 = System.nanoTime();
                    int[] ids = r.tokens();
                    // the text without a final end-of-sequence id: the peers, told to go on, sample past it
                    boolean eos =
                            ids.length > 0 && engine.target().generationConfig().isEos(ids[ids.length - 1]);
                    int[] shown = eos ? Arrays.copyOf(ids, ids.length - 1) : ids;
                    return new Outcome(
                            ids.length,
                            shown,
                            tokenizer.decode(shown, false),
                            (t1 - t0) / 1e9,
                            ((first[0] == 0 ? t1 : first[0]) - t0) / 1e9,
                            r.stats().targetForwards());
                }
            };
        }

        /** A peer's contender and the peer it holds open. */
        record Opened(Contender contender, Peer peer) {}

        static Opened peer(Peer peer, String mode, Tokenizer tokenizer) {
            return new Opened(contender(peer, mode, tokenizer), peer);
        }

        private static Contender contender(Peer peer, String mode, Tokenizer tokenizer) {
            return new Contender() {
                public String engine() {
                    return peer.name();
                }

                public String mode() {
                    return mode;
                }

                public String dtype() {
                    return peer.dtype();
                }

                public Outcome run(int[] prompt, int n) {
                    PeerGeneration g = peer.greedy(prompt, n);
                    String text = g.text() != null ? g.text() : tokenizer.decode(g.tokens(), false);
                    return new Outcome(g.tokenCount(), g.tokens(), text, g.seconds(), g.firstTokenSeconds(), 0);
                }
            };
        }
    }

    /**
     * One request's result.
     *
     * @param ids the generated ids (rasd's without a final end-of-sequence id), or {@code null} where the engine
     *     returns text only (llama.cpp)
     * @param seconds the whole request
     * @param firstTokenSeconds until the first generated token reached the caller
     */
    record Outcome(int tokens, int[] ids, String text, double seconds, double firstTokenSeconds, long forwards) {}

    /** Sums over the prompts for one contender. */
    static final class Row {
        final String model;
        final String engine;
        final String mode;
        final String dtype;
        long tokens;
        double seconds;
        double firstTokenSeconds;
        long decodeTokens;
        double decodeSeconds;
        long forwards;
        int runs;
        int matches;
        /**
         * rasd ar's row only: the distinct-4-gram ratio of its outputs (a looping model flatters retrieval, so the
         * speed-ups are read beside it); NaN on other rows.
         */
        double distinct4 = Double.NaN;

        /** Sum over prompts of the share of rasd ar's tokens reproduced; kept for rows in another dtype than ar's. */
        double tokenShare;

        boolean otherDtype;

        Row(String model, String engine, String mode, String dtype) {
            this.model = model;
            this.engine = engine;
            this.mode = mode;
            this.dtype = dtype;
        }

        void add(Outcome o, boolean sameOutput, double share) {
            add(o, sameOutput);
            tokenShare += share;
            otherDtype = true;
        }

        void add(Outcome o, boolean sameOutput) {
            tokens += o.tokens();
            seconds += o.seconds();
            firstTokenSeconds += o.firstTokenSeconds();
            if (o.tokens() > 1) {
                decodeTokens += o.tokens() - 1;
                decodeSeconds += o.seconds() - o.firstTokenSeconds();
            }
            forwards += o.forwards();
            runs++;
            matches += sameOutput ? 1 : 0;
        }

        double rate() {
            return seconds > 0 ? tokens / seconds : 0;
        }

        double decodeRate() {
            return decodeSeconds > 0 ? decodeTokens / decodeSeconds : 0;
        }

        double meanFirstToken() {
            return runs > 0 ? firstTokenSeconds / runs : 0;
        }
    }

    /**
     * One engine's contenders and what they hold open: loaded for that engine's turn and closed when it ends, so that
     * no other engine is loaded while one is timed. Loaded but idle, llama.cpp slowed rasd's decoding of the 0.5B
     * shape from 11.1-11.9 to 8.1-8.3 tokens/s in the same process, and rasd's prefill not at all (their two OpenMP
     * runtimes, libtorch's own libgomp and the system's, are both in the process; no thread used CPU while idle).
     *
     * @param target rasd's target where this is rasd's stage (its label is read from it), else null
     * @param draftParams the rasd draft model's parameter count as {@link #params} writes it, or null
     */
    record Stage(List<Contender> contenders, List<AutoCloseable> resources, CausalLm target, String draftParams)
            implements AutoCloseable {

        static Stage of(Contender.Opened peer) {
            return of(List.of(peer));
        }

        static Stage of(List<Contender.Opened> peers) {
            return new Stage(
                    peers.stream().map(Contender.Opened::contender).toList(),
                    peers.stream().<AutoCloseable>map(Contender.Opened::peer).toList(),
                    null,
                    null);
        }

        /** Closes what the stage holds, the last opened first. */
        @Override
        public void close() {
            RuntimeException failed = null;
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception e) {
                    if (failed == null) {
                        failed = new RasdException("peers: closing an engine failed: " + e, e);
                    } else {
                        failed.addSuppressed(e);
                    }
                }
            }
            if (failed != null) {
                throw failed;
            }
        }

        /** Closes after {@code cause}, which failures of the close join as suppressed. */
        void closeQuietly(Throwable cause) {
            try {
                close();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /** Opens one engine's stage when its turn comes. */
    @FunctionalInterface
    interface StageOpener {
        Stage open() throws IOException;
    }

    /**
     * rasd's stage: the target (and the draft model and benchmark datastore where {@code draft} is given) in one
     * engine; contenders {@code ar} (the reference every other row is checked against), and with a draft {@code draft}
     * and {@code rasd}.
     */
    private static Stage rasdStage(Path target, Path draft, LoadOptions load, Tokenizer tokenizer, List<Path> corpus) {
        List<AutoCloseable> held = new ArrayList<>();
        try {
            CausalLm t = CausalLm.load(target, load);
            held.add(t);
            RasdEngine.Builder b = RasdEngine.builder().target(t).tokenizer(tokenizer);
            CausalLm d = null;
            if (draft != null) {
                d = CausalLm.load(draft, load);
                held.add(d);
                TokenDatastore store = datastore(tokenizer, corpus);
                held.add(store);
                b.draft(d).datastore(store).speculation(SpeculationConfig.DEFAULT);
            }
            RasdEngine engine = b.build();
            held.add(engine);
            String dtype = rasdDtype(t);
            List<Contender> contenders = new ArrayList<>();
            contenders.add(Contender.rasd(engine, DecodingMode.AR, tokenizer, dtype));
            if (d != null) {
                contenders.add(Contender.rasd(engine, DecodingMode.DRAFT, tokenizer, dtype));
                contenders.add(Contender.rasd(engine, DecodingMode.RASD, tokenizer, dtype));
            }
            return new Stage(contenders, held, t, d == null ? null : params(d));
        } catch (RuntimeException | Error e) {
            new Stage(List.of(), held, null, null).closeQuietly(e);
            throw e;
        }
    }

    /**
     * Every prompt through every contender, one engine at a time: {@code first} (rasd's stage, already open; its
     * first contender is rasd ar, the reference) and then each of {@code rest}, each opened for its turn and closed
     * after it. Within an engine the contender that starts rotates per prompt. Rows come out in stage order.
     */
    static List<Row> measure(
            String model, Stage first, List<StageOpener> rest, List<int[]> prompts, int tokens, Tokenizer tokenizer)
            throws IOException {
        // a warm-up prompt of its own: reusing a measured prompt would hand llama.cpp's prompt cache its prefix
        int[] warm = tokenizer.encode("Warm-up: the quick brown fox jumps over the lazy dog.", true);
        Contender ar = first.contenders().get(0);
        int[] asked = new int[prompts.size()];
        Map<Contender, Outcome[]> results = new LinkedHashMap<>();
        List<StageOpener> stages = new ArrayList<>();
        stages.add(() -> first);
        stages.addAll(rest);
        for (StageOpener opener : stages) {
            try (Stage stage = opener.open()) {
                List<Contender> cs = stage.contenders();
                System.err.println("peers: " + model + ": " + cs.get(0).engine() + " (" + cs.size()
                        + " modes), the only engine loaded now: warming up, then " + prompts.size() + " prompts");
                for (Contender c : cs) {
                    c.run(warm, 8);
                    results.put(c, new Outcome[prompts.size()]);
                }
                for (int i = 0; i < prompts.size(); i++) {
                    int[] prompt = prompts.get(i);
                    if (stage == first) {
                        // rasd ar stops where the model ends its answer, the peers are told to go on: every engine is
                        // asked for as many tokens as rasd ar gives (learnt in an untimed run), so each spreads its
                        // prefill over the same count and the end-to-end column compares like with like
                        asked[i] = Math.max(1, ar.run(prompt, tokens).tokens());
                    }
                    for (Contender c : BenchTasks.rotated(cs, i)) {
                        results.get(c)[i] = c.run(prompt, asked[i]);
                    }
                }
            }
        }
        Map<Contender, Row> rows = new LinkedHashMap<>();
        results.keySet().forEach(c -> rows.put(c, new Row(model, c.engine(), c.mode(), c.dtype())));
        DistinctNgrams distinct = new DistinctNgrams(4);
        for (Outcome o : results.get(ar)) {
            distinct.add(o.ids());
        }
        rows.get(ar).distinct4 = distinct.ratio();
        for (int i = 0; i < prompts.size(); i++) {
            int index = i;
            Map<Contender, Outcome> outcomes = new LinkedHashMap<>();
            results.forEach((c, o) -> outcomes.put(c, o[index]));
            Outcome refOutcome = outcomes.get(ar);
            String reference = refOutcome.text();
            // rasd ar stops at end-of-sequence, the peers are told to go on: compare what both produced
            outcomes.forEach((c, o) -> {
                boolean same = o.text().startsWith(reference) || reference.startsWith(o.text());
                if (!c.dtype().equals(ar.dtype())) {
                    // rounded differently (llama.cpp f16 beside rasd bf16): identical tokens cannot be expected, so
                    // report how far it follows rasd ar instead of checking
                    int[] refIds = refOutcome.ids();
                    int agree = matchingTokens(refIds, o, tokenizer);
                    rows.get(c).add(o, same, refIds.length == 0 ? 1.0 : (double) agree / refIds.length);
                    System.err.printf(
                            Locale.ROOT,
                            "peers: %s %s (%s) reproduced the first %d of rasd ar's (%s) %d tokens%n",
                            c.engine(),
                            c.mode(),
                            c.dtype(),
                            agree,
                            ar.dtype(),
                            refIds.length);
                    return;
                }
                rows.get(c).add(o, same);
                if (!same) {
                    System.err.printf(
                            Locale.ROOT,
                            "peers: %s %s left rasd ar's output after %d of %d characters%n",
                            c.engine(),
                            c.mode(),
                            commonPrefix(o.text(), reference),
                            reference.length());
                }
            });
            System.err.printf(
                    Locale.ROOT,
                    "peers: prompt %d/%d (%d tokens):%s%n",
                    i + 1,
                    prompts.size(),
                    prompts.get(i).length,
                    summary(outcomes));
        }
        return new ArrayList<>(rows.values());
    }

    /**
     * How many of {@code reference}'s tokens, from the first, {@code o} reproduces: the common prefix of the ids where
     * the engine returns ids, else the longest prefix of {@code reference} whose decoded text begins {@code o}'s text.
     */
    static int matchingTokens(int[] reference, Outcome o, Tokenizer tokenizer) {
        if (o.ids() != null) {
            int n = 0;
            while (n < Math.min(reference.length, o.ids().length) && reference[n] == o.ids()[n]) {
                n++;
            }
            return n;
        }
        int best = 0;
        // every prefix length, not the first mismatch: a prefix that ends inside a multi-byte character decodes to a
        // replacement character even where the text goes on to agree
        for (int k = 1; k <= reference.length; k++) {
            if (o.text().startsWith(tokenizer.decode(Arrays.copyOf(reference, k), false))) {
                best = k;
            }
        }
        return best;
    }

    private static int commonPrefix(String a, String b) {
        int n = 0;
        while (n < Math.min(a.length(), b.length()) && a.charAt(n) == b.charAt(n)) {
            n++;
        }
        return n;
    }

    private static String summary(Map<Contender, Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        outcomes.forEach((c, o) -> sb.append(String.format(
                Locale.ROOT,
                " %s %s %.0f ms + %.1f tok/s;",
                c.engine(),
                c.mode(),
                o.firstTokenSeconds() * 1000,
                o.tokens() > 1 && o.seconds() > o.firstTokenSeconds()
                        ? (o.tokens() - 1) / (o.seconds() - o.firstTokenSeconds())
                        : 0)));
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

    private JsonObject report(
            List<Row> rows,
            JsonArray groups,
            JsonArray skipped,
            int perTask,
            int tokens,
            int nThreads,
            int rasdThreads,
            String pytorchFeatures,
            double otherLoad,
            double seconds)
            throws IOException {
        JsonObject root = new JsonObject();
        root.add("machine", MachineDescription.current().toPeersJson());
        JsonObject config = new JsonObject();
        config.addProperty("suite", "peers-" + suite);
        config.addProperty("prompts_per_task", perTask);
        config.addProperty("max_new_tokens", tokens);
        config.addProperty("temperature", 0);
        config.addProperty("peer_threads", nThreads);
        config.addProperty("engines_loaded_at_once", 1);
        config.addProperty("rasd_threads", rasdThreads);
        config.addProperty("rasd_pytorch_features", pytorchFeatures);
        if (!Double.isNaN(otherLoad)) {
            config.addProperty("other_processes_cpu_share", otherLoad);
        }
        config.addProperty("rasd_dtype", precision(dtype).label());
        config.addProperty("speculation", SpeculationConfig.DEFAULT.toString());
        config.addProperty("seconds", seconds);
        config.add("skipped", skipped);
        config.add("models", groups);
        root.add("config", config);
        JsonArray out = new JsonArray();
        Map<String, Row> ar = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.engine.equals("rasd") && r.mode.equals("ar")) {
                ar.put(r.model, r);
            }
        }
        for (Row r : rows) {
            JsonObject row = new JsonObject();
            row.addProperty("model", r.model);
            row.addProperty("engine", r.engine);
            row.addProperty("mode", r.mode);
            row.addProperty("dtype", r.dtype);
            row.addProperty("tokens_per_second", r.rate());
            Row base = ar.get(r.model);
            row.addProperty("vs_rasd_ar", base != null && base.rate() > 0 ? r.rate() / base.rate() : 0);
            row.addProperty("first_token_seconds", r.meanFirstToken());
            row.addProperty("decode_tokens_per_second", r.decodeRate());
            row.addProperty(
                    "decode_vs_rasd_ar",
                    base != null && base.decodeRate() > 0 ? r.decodeRate() / base.decodeRate() : 0);
            row.addProperty("tokens", r.tokens);
            row.addProperty("seconds", r.seconds);
            if (r.otherDtype) {
                // not a check: another dtype than rasd ar's rounds differently
                row.addProperty("tokens_matching_rasd_ar", r.tokenShare / r.runs);
            } else {
                row.addProperty("same_output_as_rasd_ar", (double) r.matches / r.runs);
            }
            if (r.forwards > 0) {
                row.addProperty("tau", (double) r.tokens / r.forwards);
            }
            if (!Double.isNaN(r.distinct4)) {
                row.addProperty("distinct_4", r.distinct4);
            }
            out.add(row);
        }
        root.add("rows", out);
        return root;
    }
}
