package io.rasd.spring.autoconfigure;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.eagle.EagleHeadFormat;
import io.rasd.engine.SpeculationConfig;
import io.rasd.engine.SpeculationOverrides;
import io.rasd.model.CausalLm;
import io.rasd.model.EagleHead;
import io.rasd.model.LoadOptions;
import io.rasd.model.Precision;
import io.rasd.text.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns {@code rasd.*} properties into models, tokenizer, datastore and speculation settings. Every failure is a
 * {@link RasdConfigurationException} naming the property, so start-up reports which value to fix.
 */
final class RasdModelLoader {

    static final String MODEL_DIRECTORY =
            "a HuggingFace model directory (config.json, model.safetensors or its" + " index, tokenizer.json)";

    private RasdModelLoader() {}

    static {
        // Before DJL loads its engine: nothing may be downloaded at run time (the natives come with rasd-core)
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    static RasdModels loadModels(RasdProperties p) {
        checkGeneralProperties(p);
        Device device = device(p.getDevice());
        precision(p.getDtype()); // a bad value fails before the memory check reads it
        Path targetDir = modelDirectory("rasd.target.path", p.getTarget().getPath(), true);
        Path draftDir = modelDirectory("rasd.draft.path", p.getDraft().getPath(), false);
        if (p.getMode() != null && p.getMode().usesDraft() && draftDir == null) {
            throw new RasdConfigurationException(
                    "rasd.mode",
                    p.getMode().cliName(),
                    "mode " + p.getMode().cliName() + " needs a drafter, but rasd.draft.path is not set",
                    "Set rasd.draft.path to a draft model's or an EAGLE head's directory, or choose a mode without a"
                            + " drafter"
                            + " (ar, pld, datastore).");
        }
        if (p.isCheckMemory()) { // before a weight is loaded: a budget that cannot fit fails at once
            RasdMemoryBudget.of(p, targetDir, draftDir).check();
        }
        LoadOptions options = new LoadOptions(device, p.getMaxContext(), p.isCheckWeights(), precision(p.getDtype()));
        CausalLm target = load("rasd.target.path", targetDir, options);
        try {
            if (draftDir != null && EagleHeadFormat.looksLikeEagleHead(draftDir)) {
                return new RasdModels(target, null, loadEagleHead(draftDir, target));
            }
            CausalLm draft = draftDir == null ? null : load("rasd.draft.path", draftDir, options);
            return new RasdModels(target, draft);
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
    }

    static Tokenizer loadTokenizer(RasdProperties p) {
        Path dir = modelDirectory("rasd.target.path", p.getTarget().getPath(), true);
        try {
            return Tokenizer.load(dir);
        } catch (RasdException e) {
            throw new RasdConfigurationException(
                    "rasd.target.path",
                    dir,
                    "its tokenizer cannot be read: " + e.getMessage(),
                    "Point rasd.target.path at " + MODEL_DIRECTORY + ".",
                    e);
        }
    }

    /** An EAGLE head for {@code target}: its files checked against the target, then loaded on the target's device. */
    private static EagleHead loadEagleHead(Path dir, CausalLm target) {
        try {
            EagleHeadFormat format = EagleHeadFormat.inspect(dir, target.config());
            return EagleHead.load(dir, target, format.hasFcBias());
        } catch (RasdException e) {
            throw new RasdConfigurationException(
                    "rasd.draft.path",
                    dir,
                    "the EAGLE head cannot be loaded: " + e.getMessage(),
                    "Point rasd.draft.path at an EAGLE-1/2 head trained for rasd.target.path's model, or at a small"
                            + " draft model that shares its tokenizer.",
                    e);
        }
    }

    private static CausalLm load(String property, Path dir, LoadOptions options) {
        try {
            return CausalLm.load(dir, options);
        } catch (RasdException e) {
            throw new RasdConfigurationException(
                    property,
                    dir,
                    "the model cannot be loaded: " + e.getMessage(),
                    "Point " + property + " at " + MODEL_DIRECTORY + " of a Llama-family model.",
                    e);
        }
    }

    /** The directory a model property names, checked; null when optional and unset. */
    static Path modelDirectory(String property, Path dir, boolean required) {
        if (dir == null) {
            if (!required) {
                return null;
            }
            throw new RasdConfigurationException(
                    property,
                    null,
                    "no model directory is configured",
                    "Set " + property + " to " + MODEL_DIRECTORY + ", e.g. " + property + "=models/demo-target,"
                            + " or switch rasd off with rasd.enabled=false.");
        }
        String action = "Point " + property + " at " + MODEL_DIRECTORY + ".";
        if (!Files.exists(dir)) {
            throw new RasdConfigurationException(property, dir, "nothing exists at " + dir.toAbsolutePath(), action);
        }
        if (!Files.isDirectory(dir)) {
            throw new RasdConfigurationException(
                    property, dir, dir.toAbsolutePath() + " is a file, not a" + " directory", action);
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new RasdConfigurationException(
                    property, dir, "the directory has no config.json (found: " + listing(dir) + ")", action);
        }
        return dir;
    }

    private static String listing(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names =
                    files.map(f -> f.getFileName().toString()).sorted().limit(8).toList();
            return names.isEmpty() ? "an empty directory" : String.join(", ", names);
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    static Device device(String device) {
        String d = device == null ? "auto" : device.trim().toLowerCase(java.util.Locale.ROOT);
        Device chosen = switch (d) {
            case "auto" -> CausalLm.defaultDevice();
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default ->
                throw new RasdConfigurationException(
                        "rasd.device", device, "unknown device", "Set rasd.device to auto, cpu or gpu.");
        };
        try {
            CausalLm.requireDevice(chosen);
        } catch (RasdException e) {
            throw new RasdConfigurationException(
                    "rasd.device",
                    device,
                    "DJL's PyTorch engine finds no CUDA GPU",
                    "Put ai.djl.pytorch:pytorch-native-cu128:2.7.1 (classifier linux-x86_64) on the classpath in"
                            + " place of pytorch-native-cpu and install the CUDA driver, or set rasd.device=cpu"
                            + " (README: Running on a GPU).",
                    e);
        }
        return chosen;
    }

    static Precision precision(String dtype) {
        try {
            return Precision.parse(dtype, "rasd.dtype");
        } catch (RasdException e) {
            throw new RasdConfigurationException(
                    "rasd.dtype", dtype, "unknown element type", "Set rasd.dtype to auto, f32, bf16 or f16.");
        }
    }

    /** Checks the properties the engine itself does not see (the chat models' defaults) before anything loads. */
    static void checkGeneralProperties(RasdProperties p) {
        if (p.getMaxContext() < 0) {
            throw new RasdConfigurationException(
                    "rasd.max-context",
                    p.getMaxContext(),
                    "must be >= 0",
                    "Set rasd.max-context to 0 (the model's own limit) or a positive number of tokens.");
        }
        RasdProperties.Generation g = p.getGeneration();
        if (g.getMaxNewTokens() != null && g.getMaxNewTokens() < 1) {
            throw new RasdConfigurationException(
                    "rasd.generation.max-new-tokens",
                    g.getMaxNewTokens(),
                    "must be >= 1",
                    "Set it to a positive number of tokens, or leave it unset (up to the context" + " window).");
        }
        if (!(g.getTemperature() >= 0) || Double.isInfinite(g.getTemperature())) {
            throw new RasdConfigurationException(
                    "rasd.generation.temperature",
                    g.getTemperature(),
                    "must be a finite number >= 0",
                    "Set it to 0 for greedy decoding or a positive temperature.");
        }
        if (!(g.getTopP() > 0 && g.getTopP() <= 1)) {
            throw new RasdConfigurationException(
                    "rasd.generation.top-p",
                    g.getTopP(),
                    "must be in (0, 1]",
                    "Set it to 1 (no nucleus cut) or a probability mass in (0, 1].");
        }
        if (g.getTopK() < 0) {
            throw new RasdConfigurationException(
                    "rasd.generation.top-k",
                    g.getTopK(),
                    "must be >= 0",
                    "Set it to 0 (no limit) or a positive number of tokens.");
        }
        for (String s : g.getStopSequences()) {
            if (s == null || s.isEmpty()) {
                throw new RasdConfigurationException(
                        "rasd.generation.stop-sequences",
                        g.getStopSequences(),
                        "contains an empty string",
                        "Remove the empty entry.");
            }
        }
        if (g.getTimeout() != null
                && (g.getTimeout().isNegative() || g.getTimeout().isZero())) {
            throw new RasdConfigurationException(
                    "rasd.generation.timeout",
                    g.getTimeout(),
                    "must be positive",
                    "Leave it unset (no limit) or give a positive duration, e.g. 60s.");
        }
        RasdProperties.Concurrency c = p.getConcurrency();
        if (c.getMaxConcurrentGenerations() < 1) {
            throw new RasdConfigurationException(
                    "rasd.concurrency.max-concurrent-generations",
                    c.getMaxConcurrentGenerations(),
                    "must be >= 1",
                    "Set it to 1 on a CPU.");
        }
        if (c.getMaxQueuedGenerations() < 0) {
            throw new RasdConfigurationException(
                    "rasd.concurrency.max-queued-generations",
                    c.getMaxQueuedGenerations(),
                    "must be >= 0",
                    "Set it to 0 (refuse when busy) or more.");
        }
        if (c.getQueueTimeout() != null
                && (c.getQueueTimeout().isNegative() || c.getQueueTimeout().isZero())) {
            throw new RasdConfigurationException(
                    "rasd.concurrency.queue-timeout",
                    c.getQueueTimeout(),
                    "must be positive",
                    "Leave it unset (wait as long as it takes) or give a positive duration.");
        }
        RasdProperties.PrefixCache pc = p.getPrefixCache();
        if (pc.getMaxSize() == null || pc.getMaxSize().isNegative()) {
            throw new RasdConfigurationException(
                    "rasd.prefix-cache.max-size",
                    pc.getMaxSize(),
                    "must be a size >= 0",
                    "Set it to e.g. 256MB, or disable the cache with" + " rasd.prefix-cache.enabled=false.");
        }
        if (pc.getMinPrefixTokens() < 1) {
            throw new RasdConfigurationException(
                    "rasd.prefix-cache.min-prefix-tokens",
                    pc.getMinPrefixTokens(),
                    "must be >= 1",
                    "Set it to e.g. 16.");
        }
    }

    /** The engine's speculation settings; a value outside its range names its own property. */
    static SpeculationConfig speculation(RasdProperties.Speculation s) {
        try {
            return s.toOverrides().applyTo(SpeculationConfig.DEFAULT);
        } catch (SpeculationOverrides.InvalidKnobException e) {
            String key = "rasd.speculation." + SpeculationOverrides.kebabCase(e.knob());
            throw new RasdConfigurationException(
                    key,
                    e.value(),
                    e.reason(),
                    "Set " + key + " inside the range given, or remove it to use the default.",
                    e);
        }
    }

    /** The datastore: the file at {@code rasd.datastore.path} (if any) plus every input document. */
    static TokenDatastore datastore(RasdProperties.Datastore d, Tokenizer tokenizer) {
        if (d.getMaxTokens() != null && d.getMaxTokens() < 1) {
            throw new RasdConfigurationException(
                    "rasd.datastore.max-tokens",
                    d.getMaxTokens(),
                    "must be >= 1",
                    "Leave it unset (no limit) or give the most tokens the datastore may hold.");
        }
        List<Path> files = inputFiles(d.getInputs());
        Path path = d.getPath();
        TokenDatastore store;
        if (path == null) {
            if (d.isPersist()) {
                throw new RasdConfigurationException(
                        "rasd.datastore.persist",
                        true,
                        "there is no file to persist" + " to: rasd.datastore.path is not set",
                        "Set rasd.datastore.path to a file (it is created" + " at shut-down when missing).");
            }
            store = TokenDatastore.empty();
        } else if (Files.isDirectory(path)) {
            throw new RasdConfigurationException(
                    "rasd.datastore.path",
                    path,
                    path.toAbsolutePath() + " is a directory, not a datastore file",
                    "Point it at a file written by" + " `rasd datastore build` or by rasd.datastore.persist.");
        } else if (!Files.exists(path)) {
            if (!d.isPersist()) {
                throw new RasdConfigurationException(
                        "rasd.datastore.path",
                        path,
                        "nothing exists at " + path.toAbsolutePath(),
                        "Build one with `./rasd datastore build`, fix the path, or set"
                                + " rasd.datastore.persist=true to create it at shut-down.");
            }
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new RasdConfigurationException(
                        "rasd.datastore.path",
                        path,
                        "its folder " + parent + " does not exist, so the datastore could not be saved there",
                        "Create the folder or" + " choose another path.");
            }
            store = TokenDatastore.empty();
        } else {
            try {
                store = TokenDatastore.open(path, tokenizer);
            } catch (RasdException e) {
                throw new RasdConfigurationException(
                        "rasd.datastore.path",
                        path,
                        "the datastore cannot be opened: " + e.getMessage(),
                        "Rebuild it with `./rasd datastore build` using the target model's"
                                + " tokenizer, or point the property at another file.",
                        e);
            }
        }
        if (d.getMaxTokens() != null) {
            store.setMaxTokens(d.getMaxTokens());
        }
        try {
            for (Path f : files) {
                store.add(f.toString(), tokenizer.encode(Files.readString(f, StandardCharsets.UTF_8), false));
            }
            store.awaitMerges();
        } catch (IOException | UncheckedIOException | RasdException e) {
            store.close();
            throw new RasdConfigurationException(
                    "rasd.datastore.inputs",
                    d.getInputs(),
                    "a document cannot be" + " read as UTF-8 text: " + e.getMessage(),
                    "Point rasd.datastore.inputs at UTF-8 text files" + " or folders of them.",
                    e);
        }
        return store;
    }

    /** Regular files of the inputs: files as given, folders walked (hidden files skipped), in a stable order. */
    static List<Path> inputFiles(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Path in = inputs.get(i);
            String property = "rasd.datastore.inputs[" + i + "]";
            if (in == null || !Files.exists(in)) {
                throw new RasdConfigurationException(
                        property,
                        in,
                        "nothing exists at " + (in == null ? "null" : in.toAbsolutePath()),
                        "Point it at a text file or a folder of" + " them.");
            }
            if (Files.isDirectory(in)) {
                try (Stream<Path> walk = Files.walk(in)) {
                    walk.filter(Files::isRegularFile)
                            .filter(f -> !f.getFileName().toString().startsWith("."))
                            .sorted()
                            .forEach(files::add);
                } catch (IOException | UncheckedIOException e) {
                    throw new RasdConfigurationException(
                            property, in, "the folder cannot be read: " + e.getMessage(), "Check its permissions.", e);
                }
            } else {
                files.add(in);
            }
        }
        return files;
    }
}
