package io.rasd.cli;

import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.SpeculationConfig;
import io.rasd.engine.SpeculationOverrides;
import io.rasd.text.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The proposers (draft model, datastore) and the speculation knobs, shared by generate and compare. */
final class SpeculationOptions {

    @Option(
            names = "--draft",
            paramLabel = "DIR",
            description = "Draft model directory (same tokenizer as --model) for the draft and rasd modes")
    Path draft;

    @Option(
            names = "--datastore",
            paramLabel = "FILE",
            description = "Token datastore file written by `rasd datastore build` (memory-mapped; its tokenizer must be"
                    + " the model's)")
    Path datastoreFile;

    @Option(
            names = "--datastore-text",
            paramLabel = "FILE",
            description = "Text file tokenized as one datastore document (repeatable); the datastore modes retrieve"
                    + " from them")
    List<Path> datastoreText = new ArrayList<>();

    // The flags only map the command line to SpeculationOverrides: unset flags keep SpeculationConfig.DEFAULT, whose
    // constants the help shows, and SpeculationConfig checks the ranges.

    @Option(
            names = "--tree-budget",
            paramLabel = "N",
            description = "Most proposed tokens verified per target forward (default: "
                    + SpeculationConfig.DEFAULT_TREE_BUDGET + "; an upper bound when adaptive)")
    Integer treeBudget;

    @Option(
            names = "--draft-depth",
            paramLabel = "D",
            description = "Most draft forwards per step (default: " + SpeculationConfig.DEFAULT_DRAFT_DEPTH
                    + "; an upper bound when adaptive)")
    Integer draftDepth;

    @Option(
            names = "--draft-top-k",
            paramLabel = "K",
            description = "Draft frontier width and children per expanded node (default: "
                    + SpeculationConfig.DEFAULT_DRAFT_TOP_K + ")")
    Integer draftTopK;

    @Option(
            names = "--draft-budget",
            paramLabel = "N",
            description =
                    "Draft-tree nodes kept before fusion (default: " + SpeculationConfig.DEFAULT_DRAFT_BUDGET + ")")
    Integer draftBudget;

    @Option(
            names = "--prune-top-k",
            paramLabel = "K",
            description = "Retrieved paths must start with one of the draft's top-K tokens (default: "
                    + SpeculationConfig.DEFAULT_PRUNE_TOP_K + ")")
    Integer pruneTopK;

    @Option(
            names = "--retrieval-budget",
            paramLabel = "N",
            description = "Retrieval-tree nodes kept per source after pruning (default: "
                    + SpeculationConfig.DEFAULT_RETRIEVAL_BUDGET + ")")
    Integer retrievalBudget;

    @Option(
            names = "--adaptive",
            negatable = true,
            fallbackValue = "true",
            description = "Choose budgets and depth from the measured verify cost and observed acceptance, and fall"
                    + " back to plain decoding when speculation does not pay (default: "
                    + (SpeculationConfig.DEFAULT_ADAPTIVE ? "on" : "off") + "; --no-adaptive uses the hand-set values"
                    + " as given)")
    Boolean adaptive;

    /** Fails early, naming the missing option, when a mode needs a proposer that was not given. */
    void checkSourcesFor(DecodingMode mode) {
        if (mode.usesDraft() && draft == null) {
            throw new RasdException("--mode " + mode.cliName() + " drafts with a small model: give its directory"
                    + " with --draft DIR");
        }
        if (mode.usesDatastore() && !hasDatastore()) {
            throw new RasdException(
                    "--mode " + mode.cliName() + " retrieves from a token datastore: give its"
                            + " file with --datastore FILE (see `rasd datastore build`) or documents with --datastore-text FILE");
        }
    }

    boolean hasDatastore() {
        return datastoreFile != null || !datastoreText.isEmpty();
    }

    /** The flags that were given, as overrides of the engine's defaults. */
    SpeculationOverrides overrides() {
        return new SpeculationOverrides(
                treeBudget, draftDepth, draftTopK, draftBudget, pruneTopK, null, retrievalBudget, adaptive);
    }

    /** {@link SpeculationConfig#DEFAULT} with the given flags; a value out of range names its flag. */
    SpeculationConfig config() {
        try {
            return overrides().applyTo(SpeculationConfig.DEFAULT);
        } catch (SpeculationOverrides.InvalidKnobException e) {
            throw new RasdException(
                    "--" + SpeculationOverrides.kebabCase(e.knob()) + " " + e.value() + ": " + e.reason(), e);
        }
    }

    /** The datastore given on the command line (the file, plus any --datastore-text documents), or null. */
    TokenDatastore datastore(Tokenizer tokenizer) throws IOException {
        if (!hasDatastore()) {
            return null;
        }
        for (Path f : datastoreText) {
            if (!Files.isRegularFile(f)) {
                throw new RasdException("--datastore-text " + f + " does not exist or is not a file");
            }
        }
        if (datastoreFile != null && !Files.isRegularFile(datastoreFile)) {
            throw new RasdException("--datastore " + datastoreFile + " does not exist or is not a file");
        }
        List<int[]> docs = new ArrayList<>();
        for (Path f : datastoreText) {
            docs.add(tokenizer.encode(Files.readString(f, StandardCharsets.UTF_8), false));
        }
        if (datastoreFile == null) {
            return TokenDatastore.build(docs); // one segment: nothing left to merge while decoding
        }
        TokenDatastore store = TokenDatastore.open(datastoreFile, tokenizer);
        for (int i = 0; i < docs.size(); i++) {
            store.add(datastoreText.get(i).toString(), docs.get(i));
        }
        store.awaitMerges();
        return store;
    }
}
