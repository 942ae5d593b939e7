package io.rasd.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate text with a HF model directory; streams text, or prints one JSON object with --json.")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    PromptOptions prompt = new PromptOptions();

    @Mixin
    SpeculationOptions proposers = new SpeculationOptions();

    @Option(
            names = "--mode",
            defaultValue = "ar",
            description = "Decoding mode: ar, draft, pld, datastore, rasd-pld, rasd-datastore, rasd"
                    + " (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--max-new-tokens", defaultValue = "128", paramLabel = "N")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 = greedy (default)")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "0 = off (default)")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "1 = off (default)")
    double topP;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed; the same seed gives the same output")
    Long seed;

    @Option(
            names = "--stop",
            paramLabel = "STR",
            description = "Stop when the output contains STR (repeatable; at most 16, each 1-1000 chars)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object instead of streaming text")
    boolean json;

    @Option(names = "--json-object", description = "Constrained decoding: the output is one JSON object (JSON mode)")
    boolean jsonObject;

    @Option(
            names = "--json-schema",
            paramLabel = "FILE",
            description = "Constrained decoding: the output is a JSON document of the schema in FILE")
    java.nio.file.Path jsonSchema;

    /** The grammar of --json-object / --json-schema, or null. */
    Grammar grammar() throws IOException {
        if (jsonObject && jsonSchema != null) {
            throw new RasdException("give --json-object or --json-schema, not both");
        }
        if (jsonSchema != null) {
            if (!java.nio.file.Files.isRegularFile(jsonSchema)) {
                throw new RasdException("--json-schema " + jsonSchema + ": no such file");
            }
            return Grammar.jsonSchema(java.nio.file.Files.readString(jsonSchema));
        }
        return jsonObject ? Grammar.jsonObject() : null;
    }

    @Override
    public Integer call() throws IOException {
        SamplingParams sampling = new SamplingParams(temperature, topK, topP);
        DecodingMode decodingMode = DecodingMode.parse(mode);
        proposers.checkSourcesFor(decodingMode);
        if (maxNewTokens < 1) {
            throw new RasdException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        }
        SpeculationConfig speculation = proposers.config();
        Grammar grammar = grammar();
        try (OpenEngine open = OpenEngine.open(modelOptions, proposers)) {
            RasdEngine engine = open.engine();
            Tokenizer tokenizer = open.tokenizer();
            int[] ids = prompt.ids(tokenizer, modelOptions.model);
            GenerationRequest request = new GenerationRequest(ids, maxNewTokens, decodingMode, sampling, seed, stop)
                    .toBuilder().constraint(grammar).build();
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            GenerationResult result;
            if (json) {
                result = engine.generate(request);
                out.println(toJson(decodingMode, ids.length, result, speculation));
            } else {
                result = engine.generate(request, (tokens, origins, text) -> {
                    out.print(text);
                    out.flush();
                });
                out.println();
                System.err.printf(
                        "[%s] %d tokens in %.2f s (%.1f tokens/s), finish: %s%s%n",
                        decodingMode.cliName(),
                        result.stats().generatedTokens(),
                        result.stats().seconds(),
                        result.stats().tokensPerSecond(),
                        result.finishReason().wireName(),
                        grammar == null
                                ? ""
                                : String.format(
                                        ", constraint %.2f ms per step (%.1f%% of the loop)",
                                        1e3
                                                * result.stats().constraintSeconds()
                                                / Math.max(1, result.stats().targetForwards()),
                                        100
                                                * result.stats().constraintSeconds()
                                                / Math.max(1e-9, result.stats().seconds())));
            }
        }
        return 0;
    }

    static String toJson(DecodingMode mode, int promptTokens, GenerationResult r, SpeculationConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("mode", mode.cliName());
        o.addProperty("prompt_tokens", promptTokens);
        JsonArray tokens = new JsonArray();
        for (int t : r.tokens()) {
            tokens.add(t);
        }
        o.add("tokens", tokens);
        o.addProperty("text", r.text());
        o.addProperty("finish_reason", r.finishReason().wireName());
        JsonObject stats = new JsonObject();
        stats.addProperty("target_forwards", r.stats().targetForwards());
        stats.addProperty("mean_accepted", r.stats().meanAccepted());
        stats.addProperty("tokens_per_second", r.stats().tokensPerSecond());
        stats.addProperty("seconds", r.stats().seconds());
        stats.addProperty("prefill_seconds", r.stats().prefillSeconds());
        stats.addProperty("draft_seconds", r.stats().draftSeconds());
        stats.addProperty("retrieval_seconds", r.stats().retrievalSeconds());
        stats.addProperty("verify_seconds", r.stats().verifySeconds());
        stats.addProperty("draft_forwards", r.stats().draftForwards());
        stats.addProperty("mean_tree_nodes", r.stats().meanTreeNodes());
        stats.addProperty("fallbacks", r.stats().fallbacks());
        stats.addProperty("plain_steps", r.stats().plainSteps());
        stats.addProperty("draft_skips", r.stats().draftSkips());
        stats.addProperty("retrieval_skips", r.stats().retrievalSkips());
        stats.addProperty("constraint_seconds", r.stats().constraintSeconds());
        JsonObject bySource = new JsonObject();
        for (io.rasd.tree.TokenOrigin origin : io.rasd.tree.TokenOrigin.values()) {
            bySource.addProperty(origin.wireName(), r.stats().acceptedByOrigin().getOrDefault(origin, 0));
        }
        stats.add("accepted_by_source", bySource);
        o.add("stats", stats);
        JsonObject config = new JsonObject();
        config.addProperty("adaptive", c.adaptive());
        config.addProperty("tree_budget", c.treeBudget());
        config.addProperty("draft_depth", c.draftDepth());
        config.addProperty("draft_top_k", c.draftTopK());
        config.addProperty("draft_budget", c.draftBudget());
        config.addProperty("prune_top_k", c.pruneTopK());
        config.addProperty("retrieval_budget", c.retrievalBudget());
        o.add("config", config);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }
}
