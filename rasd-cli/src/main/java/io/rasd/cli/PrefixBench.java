package io.rasd.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.bench.BenchResults;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.PrefixCache;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.model.LoadOptions;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench --suite prefix}: what the prefix KV cache saves when requests share a long context (a RAG document, a
 * system prompt). K requests = one ~600-token perlfaq document from the demo corpus + a different question each, in
 * the DocQA task's format. Every request runs with the cache off and on, in one process, the order alternating per
 * request so machine drift hits both alike; the first request fills the cache (a miss), the others hit. Prints prefill
 * and end-to-end seconds per request and their ratios; the outputs with and without the cache must be identical.
 */
final class PrefixBench {

    /** Tokens of the shared document. */
    static final int DOCUMENT_TOKENS = 600;

    static final List<DecodingMode> MODES = List.of(DecodingMode.AR, DecodingMode.RASD);

    private final Path models;
    private final List<Path> corpus;
    private final Path outDir;
    private final int requests;
    private final int maxNewTokens;
    private final SamplingParams sampling;
    private final long seed;
    private final LoadOptions load;

    /** @param corpus the datastore's documents (the regular suites' datastore) */
    PrefixBench(
            Path models,
            List<Path> corpus,
            Path outDir,
            int requests,
            int maxNewTokens,
            SamplingParams sampling,
            long seed,
            LoadOptions load) {
        this.models = models;
        this.corpus = corpus;
        this.outDir = outDir;
        this.requests = requests;
        this.maxNewTokens = maxNewTokens;
        this.sampling = sampling;
        this.seed = seed;
        this.load = load;
    }

    /** One request in one mode, without and with the cache. */
    record Row(
            int request,
            DecodingMode mode,
            int promptTokens,
            int cachedTokens,
            double prefillOff,
            double prefillOn,
            double totalOff,
            double totalOn,
            boolean identical) {}

    int run() throws IOException {
        Path source = models.resolve("demo-corpus").resolve("perl").resolve("perlfaq5.pod");
        if (!Files.isRegularFile(source)) {
            throw new RasdException(source + " is missing: the prefix suite takes its document from the demo corpus"
                    + " (give another models folder with --models)");
        }
        List<Row> rows = new ArrayList<>();
        long start = System.nanoTime();
        // a cache per mode, so that each mode sees the same sequence: a miss, then hits on the shared document
        Map<DecodingMode, PrefixCache> caches = new EnumMap<>(DecodingMode.class);
        Map<DecodingMode, RasdEngine> on = new EnumMap<>(DecodingMode.class);
        try (CausalLm target = CausalLm.load(models.resolve("demo-target"), load);
                CausalLm draft = CausalLm.load(models.resolve("demo-draft"), load);
                Tokenizer tokenizer = Tokenizer.load(models.resolve("demo-target"));
                TokenDatastore store = CliCache.datastore("bench", tokenizer, corpus);
                RasdEngine off = engine(target, draft, tokenizer, store, null)) {
            for (DecodingMode m : MODES) {
                caches.put(m, PrefixCache.ofBytes(256L << 20));
                on.put(m, engine(target, draft, tokenizer, store, caches.get(m)));
            }
            List<int[]> prompts = prompts(tokenizer, Files.readString(source));
            // warm-up (JIT, PyTorch's first-call costs, the verify cost curve) on a prompt unlike the document's
            int[] warm = tokenizer.encode("=head1 NAME\n\nperlfaq3 - Programming Tools\n\n", true);
            for (DecodingMode m : MODES) {
                for (RasdEngine e : List.of(off, on.get(m))) {
                    e.generate(new GenerationRequest(warm, 16, m, sampling, seed, List.of()));
                }
            }
            for (int i = 0; i < prompts.size(); i++) {
                for (DecodingMode m : MODES) {
                    GenerationRequest r =
                            new GenerationRequest(prompts.get(i), maxNewTokens, m, sampling, seed, List.of());
                    // request i's first run fills the cache in the off-first order too: both orders hit from i = 1
                    boolean onFirst = i % 2 == 1;
                    Timed a = Timed.run(onFirst ? on.get(m) : off, r);
                    Timed b = Timed.run(onFirst ? off : on.get(m), r);
                    Timed withCache = onFirst ? a : b;
                    Timed without = onFirst ? b : a;
                    rows.add(new Row(
                            i,
                            m,
                            r.promptLength(),
                            withCache.result.stats().cachedPromptTokens(),
                            without.result.stats().prefillSeconds(),
                            withCache.result.stats().prefillSeconds(),
                            without.seconds,
                            withCache.seconds,
                            Arrays.equals(without.result.tokens(), withCache.result.tokens())));
                }
                System.err.printf(
                        Locale.ROOT,
                        "bench: prefix request %d/%d done, %.0f s%n",
                        i + 1,
                        prompts.size(),
                        (System.nanoTime() - start) / 1e9);
            }
        } finally {
            on.values().forEach(RasdEngine::close);
        }
        Map<DecodingMode, PrefixCache.Stats> stats = new EnumMap<>(DecodingMode.class);
        caches.forEach((m, c) -> stats.put(m, c.stats()));
        BenchResults.write(outDir, json(rows, stats, (System.nanoTime() - start) / 1e9), markdown(rows, stats), null);
        List<Row> differing = rows.stream().filter(r -> !r.identical()).toList();
        if (!differing.isEmpty()) {
            System.err.println("ERROR: the prefix cache changed the output of " + differing.size() + " run(s): "
                    + differing.stream()
                            .map(r -> "request " + r.request() + " " + r.mode().cliName())
                            .toList());
            return 3;
        }
        return 0;
    }

    private record Timed(GenerationResult result, double seconds) {
        static Timed run(RasdEngine engine, GenerationRequest r) {
            long t0 = System.nanoTime();
            GenerationResult result = engine.generate(r);
            return new Timed(result, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static RasdEngine engine(
            CausalLm target, CausalLm draft, Tokenizer tokenizer, TokenDatastore store, PrefixCache cache) {
        return RasdEngine.builder()
                .target(target)
                .draft(draft)
                .tokenizer(tokenizer)
                .datastore(store)
                .speculation(SpeculationConfig.DEFAULT)
                .prefixCache(cache)
                .build();
    }

    /**
     * The document (the FAQ's first {@value #DOCUMENT_TOKENS} tokens from its first question on), then each question:
     * FAQ headings from past the document's end, spread over the rest of the file.
     */
    List<int[]> prompts(Tokenizer tokenizer, String faq) {
        int from = faq.indexOf("=head2 ");
        int[] ids = tokenizer.encode(faq.substring(from), false);
        String document = tokenizer.decode(Arrays.copyOf(ids, Math.min(DOCUMENT_TOKENS, ids.length)), false);
        List<String> questions = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^=head2 (.+)$").matcher(faq);
        while (m.find()) {
            if (!document.contains(m.group())) {
                questions.add(m.group(1).trim());
            }
        }
        if (questions.size() < requests) {
            throw new RasdException(
                    "the prefix suite has " + questions.size() + " questions, " + requests + " requested (--prompts)");
        }
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String q = questions.get((int) ((long) i * questions.size() / requests));
            prompts.add(tokenizer.encode(
                    "Document:\n\n" + document + "\n\nQuestion: " + q + "\n\n=head2 " + q + "\n\n", true));
        }
        return prompts;
    }

    static String markdown(List<Row> rows, Map<DecodingMode, PrefixCache.Stats> caches) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "Prefix cache: %d requests sharing a %d-token document, cache off vs on"
                        + " (seconds; ratio = off / on). Requests after the first hit the cache.%n%n",
                rows.stream().mapToInt(Row::request).max().orElse(-1) + 1,
                DOCUMENT_TOKENS));
        sb.append("| request | mode | prompt tokens | cached | prefill off | prefill on | prefill ratio | total off"
                + " | total on | total ratio | identical |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %d | %s | %d | %d | %.3f | %.3f | %.2fx | %.3f | %.3f | %.2fx |" + " %s |%n",
                    r.request(),
                    r.mode().cliName(),
                    r.promptTokens(),
                    r.cachedTokens(),
                    r.prefillOff(),
                    r.prefillOn(),
                    ratio(r.prefillOff(), r.prefillOn()),
                    r.totalOff(),
                    r.totalOn(),
                    ratio(r.totalOff(), r.totalOn()),
                    r.identical() ? "yes" : "NO"));
        }
        // medians: on a shared 2-core machine single runs stall now and then; a median of the hits ignores that
        sb.append("\n| mode | requests with a hit | median prefill off | median prefill on | prefill ratio |"
                + " median total off | median total on | total ratio |\n|---|---|---|---|---|---|---|---|\n");
        for (DecodingMode m : MODES) {
            List<Row> hits = rows.stream()
                    .filter(r -> r.mode() == m && r.cachedTokens() > 0)
                    .toList();
            double[] med = medians(hits);
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.3f | %.3f | %.2fx | %.3f | %.3f | %.2fx |%n",
                    m.cliName(),
                    hits.size(),
                    med[0],
                    med[1],
                    ratio(med[0], med[1]),
                    med[2],
                    med[3],
                    ratio(med[2], med[3])));
        }
        sb.append('\n');
        caches.forEach((m, stats) -> sb.append(String.format(
                Locale.ROOT,
                "Cache of the %s runs: %d hits, %d misses," + " %d tokens restored, %d blocks, %.1f MiB, %d evicted.%n",
                m.cliName(),
                stats.hits(),
                stats.misses(),
                stats.reusedTokens(),
                stats.entries(),
                stats.bytes() / 1048576.0,
                stats.evictions())));
        return sb.toString();
    }

    /** Medians of prefill off, prefill on, total off, total on. */
    static double[] medians(List<Row> rows) {
        List<double[]> columns = List.of(
                rows.stream().mapToDouble(Row::prefillOff).toArray(),
                rows.stream().mapToDouble(Row::prefillOn).toArray(),
                rows.stream().mapToDouble(Row::totalOff).toArray(),
                rows.stream().mapToDouble(Row::totalOn).toArray());
        double[] out = new double[4];
        for (int c = 0; c < 4; c++) {
            double[] v = columns.get(c).clone();
            Arrays.sort(v);
            int n = v.length;
            out[c] = n == 0 ? 0 : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        }
        return out;
    }

    private static double ratio(double off, double on) {
        return on > 0 ? off / on : 0;
    }

    private JsonObject json(List<Row> rows, Map<DecodingMode, PrefixCache.Stats> caches, double seconds) {
        JsonObject root = new JsonObject();
        JsonObject config = new JsonObject();
        config.addProperty("suite", "prefix");
        config.addProperty("requests", requests);
        config.addProperty("document_tokens", DOCUMENT_TOKENS);
        config.addProperty("max_new_tokens", maxNewTokens);
        config.addProperty("temperature", sampling.temperature());
        config.addProperty("seed", seed);
        config.addProperty("cores", Runtime.getRuntime().availableProcessors());
        config.addProperty("seconds", seconds);
        root.add("config", config);
        JsonArray out = new JsonArray();
        for (Row r : rows) {
            JsonObject o = new JsonObject();
            o.addProperty("request", r.request());
            o.addProperty("mode", r.mode().cliName());
            o.addProperty("prompt_tokens", r.promptTokens());
            o.addProperty("cached_prompt_tokens", r.cachedTokens());
            o.addProperty("prefill_seconds_off", r.prefillOff());
            o.addProperty("prefill_seconds_on", r.prefillOn());
            o.addProperty("seconds_off", r.totalOff());
            o.addProperty("seconds_on", r.totalOn());
            o.addProperty("identical", r.identical());
            out.add(o);
        }
        root.add("rows", out);
        JsonObject byMode = new JsonObject();
        caches.forEach((m, stats) -> {
            JsonObject cache = new JsonObject();
            cache.addProperty("hits", stats.hits());
            cache.addProperty("misses", stats.misses());
            cache.addProperty("reused_tokens", stats.reusedTokens());
            cache.addProperty("blocks", stats.entries());
            cache.addProperty("bytes", stats.bytes());
            cache.addProperty("evictions", stats.evictions());
            byMode.add(m.cliName(), cache);
        });
        root.add("cache", byMode);
        return root;
    }
}
