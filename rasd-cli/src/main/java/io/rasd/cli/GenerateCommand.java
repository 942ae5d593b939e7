package io.rasd.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.text.ChatMessage;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a HF model directory; streams text, or prints one JSON object with --json.")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT",
                description = "Prompt text, encoded as the HF tokenizer does by default (special tokens added)")
        String text;
        @Option(names = "--prompt-file", paramLabel = "FILE", description = "Read the prompt text from a file")
        Path file;
        @Option(names = "--prompt-ids", paramLabel = "1,2,3", description = "Token ids used verbatim (no BOS added)")
        String ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    @Option(names = "--chat", description = "Render the prompt as one user message through the chat template")
    boolean chat;

    @Option(names = "--mode", defaultValue = "ar",
            description = "Decoding mode: ar, draft, pld, datastore, rasd-pld, rasd-datastore, rasd"
                    + " (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--draft", paramLabel = "DIR",
            description = "Draft model directory (same tokenizer as --model) for the draft and rasd modes")
    Path draft;

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

    @Option(names = "--stop", paramLabel = "STR", description = "Stop when the output contains STR (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--tree-budget", paramLabel = "N",
            description = "Most proposed tokens verified per target forward (default: 12; an upper bound when"
                    + " adaptive)")
    Integer treeBudget;

    @Option(names = "--draft-depth", paramLabel = "D",
            description = "Most draft forwards per step (default: 5; an upper bound when adaptive)")
    Integer draftDepth;

    @Option(names = "--draft-top-k", paramLabel = "K",
            description = "Draft frontier width and children per expanded node (default: 3)")
    Integer draftTopK;

    @Option(names = "--draft-budget", paramLabel = "N", description = "Draft-tree nodes kept before fusion (default: 10)")
    Integer draftBudget;

    @Option(names = "--prune-top-k", paramLabel = "K",
            description = "Retrieved paths must start with one of the draft's top-K tokens (default: 8)")
    Integer pruneTopK;

    @Option(names = "--retrieval-budget", paramLabel = "N",
            description = "Retrieval-tree nodes kept per source after pruning (default: 12)")
    Integer retrievalBudget;

    @Option(names = "--adaptive", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Choose budgets and depth from the measured verify cost and observed acceptance, and fall"
                    + " back to plain decoding when speculation does not pay (default: on; --no-adaptive uses the"
                    + " hand-set values as given)")
    boolean adaptive;

    @Option(names = "--datastore-text", paramLabel = "FILE",
            description = "Text file tokenized as one datastore document (repeatable); the datastore mode retrieves"
                    + " from them")
    List<Path> datastoreText = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object instead of streaming text")
    boolean json;

    @Override
    public Integer call() throws IOException {
        SamplingParams sampling = new SamplingParams(temperature, topK, topP);
        DecodingMode decodingMode = DecodingMode.parse(mode);
        if (decodingMode.usesDraft() && draft == null) {
            throw new RasdException("--mode " + mode + " drafts with a small model: give its directory with --draft DIR");
        }
        if (decodingMode.usesDatastore() && datastoreText.isEmpty()) {
            throw new RasdException("--mode " + mode + " retrieves from a token datastore: give its documents with"
                    + " --datastore-text FILE");
        }
        if (maxNewTokens < 1) {
            throw new RasdException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        }
        SpeculationConfig speculation = speculation();
        try (CausalLm target = modelOptions.load();
             CausalLm draftLm = draft == null ? null : modelOptions.load(draft);
             Tokenizer tokenizer = Tokenizer.load(modelOptions.model);
             RasdEngine engine = RasdEngine.builder().target(target).draft(draftLm).tokenizer(tokenizer)
                     .speculation(speculation)
                     .datastore(datastoreText.isEmpty() ? null : buildDatastore(tokenizer))
                     .build()) {
            int[] ids = promptIds(tokenizer);
            GenerationRequest request = new GenerationRequest(ids, maxNewTokens, decodingMode, sampling, seed, stop);
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
                System.err.printf("[%s] %d tokens in %.2f s (%.1f tokens/s), finish: %s%n", decodingMode.cliName(),
                        result.stats().generatedTokens(), result.stats().seconds(),
                        result.stats().tokensPerSecond(), result.finishReason().wireName());
            }
        }
        return 0;
    }

    private SpeculationConfig speculation() {
        SpeculationConfig.Builder b = SpeculationConfig.builder().adaptive(adaptive);
        if (treeBudget != null) {
            b.treeBudget(treeBudget);
        }
        if (draftDepth != null) {
            b.draftDepth(draftDepth);
        }
        if (draftTopK != null) {
            b.draftTopK(draftTopK);
        }
        if (draftBudget != null) {
            b.draftBudget(draftBudget);
        }
        if (pruneTopK != null) {
            b.pruneTopK(pruneTopK);
        }
        if (retrievalBudget != null) {
            b.retrievalBudget(retrievalBudget);
        }
        return b.build();
    }

    private TokenDatastore buildDatastore(Tokenizer tokenizer) throws IOException {
        List<int[]> docs = new ArrayList<>();
        for (Path f : datastoreText) {
            if (!Files.isRegularFile(f)) {
                throw new RasdException("--datastore-text " + f + " does not exist or is not a file");
            }
            docs.add(tokenizer.encode(Files.readString(f, StandardCharsets.UTF_8), false));
        }
        return TokenDatastore.build(docs);
    }

    private int[] promptIds(Tokenizer tokenizer) throws IOException {
        if (prompt.ids != null) {
            if (chat) {
                throw new RasdException("--chat renders text through the chat template; it cannot be combined with"
                        + " --prompt-ids");
            }
            return PromptIds.parse(prompt.ids);
        }
        String text;
        if (prompt.file != null) {
            if (!Files.isRegularFile(prompt.file)) {
                throw new RasdException("--prompt-file " + prompt.file + " does not exist or is not a file");
            }
            text = Files.readString(prompt.file, StandardCharsets.UTF_8);
        } else {
            text = prompt.text;
        }
        if (text.isBlank()) {
            throw new RasdException("The prompt is empty; give some text with --prompt or --prompt-file");
        }
        if (chat) {
            ChatTemplate template = ChatTemplate.load(modelOptions.model);
            String rendered = template.render(List.of(new ChatMessage("user", text)), true);
            return tokenizer.encode(rendered, false);
        }
        return tokenizer.encode(text, true);
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
        JsonObject bySource = new JsonObject();
        for (io.rasd.engine.TokenOrigin origin : io.rasd.engine.TokenOrigin.values()) {
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
