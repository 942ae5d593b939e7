package io.rasd.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs one prompt under several modes in one process and compares them with {@code ar}: speed ratios measured in one
 * run, modes interleaved round-robin so that machine drift affects every mode alike, and the output checked token for
 * token against {@code ar}.
 */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = "Run one prompt under several decoding modes in one process: tokens/s, tau, speedup over ar,"
                + " accepted tokens by source, and whether the output is identical to ar's.")
final class CompareCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    PromptOptions prompt = new PromptOptions();

    @Mixin
    SpeculationOptions proposers = new SpeculationOptions();

    @Option(
            names = "--modes",
            defaultValue = "all",
            paramLabel = "ar,pld,...",
            description = "Modes to compare (ar is always included); all = every mode whose proposers were given")
    String modes;

    @Option(names = "--max-new-tokens", defaultValue = "200", paramLabel = "N")
    int maxNewTokens;

    @Option(
            names = "--repeats",
            defaultValue = "3",
            paramLabel = "R",
            description = "Rounds over all modes; tokens/s is the median over rounds")
    int repeats;

    @Option(
            names = "--temperature",
            defaultValue = "0",
            paramLabel = "T",
            description = "0 = greedy (default); with sampling every mode uses the same --seed")
    double temperature;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S")
    long seed;

    @Option(names = "--json", description = "Print JSON instead of a table")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (repeats < 1 || maxNewTokens < 1) {
            throw new RasdException("--repeats and --max-new-tokens must be >= 1");
        }
        List<DecodingMode> selected = selectModes();
        SamplingParams sampling = new SamplingParams(temperature, 0, 1);
        try (OpenEngine open = OpenEngine.open(modelOptions, proposers)) {
            RasdEngine engine = open.engine();
            Tokenizer tokenizer = open.tokenizer();
            int[] ids = prompt.ids(tokenizer, modelOptions.model);
            // warm-up: the first few dozen forwards of a fresh engine are several times slower; the cost curve
            // (adaptive control) is measured here too, not inside the first timed mode
            for (DecodingMode m : selected) {
                engine.generate(new GenerationRequest(ids, Math.min(32, maxNewTokens), m, sampling, seed, List.of()));
            }
            Map<DecodingMode, List<GenerationResult>> runs = new LinkedHashMap<>();
            for (int r = 0; r < repeats; r++) {
                for (DecodingMode m : selected) {
                    runs.computeIfAbsent(m, k -> new ArrayList<>())
                            .add(engine.generate(
                                    new GenerationRequest(ids, maxNewTokens, m, sampling, seed, List.of())));
                }
            }
            int[] reference = runs.get(DecodingMode.AR).get(0).tokens();
            double arRate = medianRate(runs.get(DecodingMode.AR));
            JsonArray rows = new JsonArray();
            for (Map.Entry<DecodingMode, List<GenerationResult>> e : runs.entrySet()) {
                GenerationResult first = e.getValue().get(0);
                boolean identical = e.getValue().stream().allMatch(g -> Arrays.equals(g.tokens(), reference));
                JsonObject row = new JsonObject();
                row.addProperty("mode", e.getKey().cliName());
                row.addProperty("tokens", first.tokens().length);
                row.addProperty("tokens_per_second", medianRate(e.getValue()));
                row.addProperty("speedup", medianRate(e.getValue()) / arRate);
                row.addProperty("tau", first.stats().meanAccepted());
                row.addProperty("mean_tree_nodes", first.stats().meanTreeNodes());
                row.addProperty("draft_seconds", first.stats().draftSeconds());
                row.addProperty("retrieval_seconds", first.stats().retrievalSeconds());
                row.addProperty("verify_seconds", first.stats().verifySeconds());
                row.addProperty("fallbacks", first.stats().fallbacks());
                row.addProperty("draft_skips", first.stats().draftSkips());
                row.addProperty("retrieval_skips", first.stats().retrievalSkips());
                JsonObject bySource = new JsonObject();
                for (TokenOrigin o : TokenOrigin.values()) {
                    bySource.addProperty(o.wireName(), first.stats().accepted(o));
                }
                row.add("accepted_by_source", bySource);
                row.addProperty("identical_to_ar", identical);
                rows.add(row);
            }
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("prompt_tokens", ids.length);
                o.addProperty("repeats", repeats);
                o.add("rows", rows);
                System.out.println(new GsonBuilder()
                        .disableHtmlEscaping()
                        .setPrettyPrinting()
                        .create()
                        .toJson(o));
            } else {
                System.out.printf(
                        "%-15s %7s %9s %6s %8s %6s  %-38s %s%n",
                        "mode",
                        "tokens",
                        "tokens/s",
                        "tau",
                        "speedup",
                        "nodes",
                        "accepted draft/pld/datastore/bonus",
                        "identical");
                for (var el : rows) {
                    JsonObject r = el.getAsJsonObject();
                    JsonObject s = r.getAsJsonObject("accepted_by_source");
                    System.out.printf(
                            "%-15s %7d %9.1f %6.2f %7.2fx %6.1f  %-38s %s%n",
                            r.get("mode").getAsString(),
                            r.get("tokens").getAsInt(),
                            r.get("tokens_per_second").getAsDouble(),
                            r.get("tau").getAsDouble(),
                            r.get("speedup").getAsDouble(),
                            r.get("mean_tree_nodes").getAsDouble(),
                            s.get("draft").getAsInt() + "/" + s.get("pld").getAsInt() + "/"
                                    + s.get("datastore").getAsInt() + "/"
                                    + s.get("bonus").getAsInt(),
                            r.get("identical_to_ar").getAsBoolean() ? "yes" : "NO");
                }
            }
            boolean allIdentical = true;
            for (var el : rows) {
                allIdentical &= el.getAsJsonObject().get("identical_to_ar").getAsBoolean();
            }
            return allIdentical ? 0 : 3;
        }
    }

    private List<DecodingMode> selectModes() {
        List<DecodingMode> out = new ArrayList<>();
        out.add(DecodingMode.AR);
        if (modes.equals("all")) {
            for (DecodingMode m : DecodingMode.values()) {
                if (m != DecodingMode.AR
                        && (!m.usesDraft() || proposers.draft != null)
                        && (!m.usesDatastore() || proposers.hasDatastore())) {
                    out.add(m);
                }
            }
            return out;
        }
        for (String name : modes.split(",")) {
            DecodingMode m = DecodingMode.parse(name.trim());
            proposers.checkSourcesFor(m);
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    private static double medianRate(List<GenerationResult> runs) {
        double[] r = runs.stream()
                .mapToDouble(g -> g.stats().tokensPerSecond())
                .sorted()
                .toArray();
        return r[r.length / 2];
    }
}
