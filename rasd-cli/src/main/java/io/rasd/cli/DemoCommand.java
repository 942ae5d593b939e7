package io.rasd.cli;

import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.model.LoadOptions;
import io.rasd.text.ChatMessage;
import io.rasd.text.ChatPromptEncoder;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main command: the trained demo models answer a document question and complete code, streaming with
 * every accepted token marked by where it came from, then compare with plain decoding.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run the embedded demo models: streamed rasd output marked by token source, then ar vs rasd.")
final class DemoCommand implements Callable<Integer> {

    @Option(
            names = "--models",
            paramLabel = "DIR",
            description = "Folder with demo-target, demo-draft and demo-corpus (default: the repository's models/)")
    Path models;

    @Option(names = "--max-new-tokens", defaultValue = "96", paramLabel = "N")
    int maxNewTokens;

    @Option(
            names = "--color",
            defaultValue = "auto",
            paramLabel = "auto|always|never",
            description = "Colour tokens by source (default: when run from a terminal); otherwise plain markers")
    String color;

    @Option(names = "--check-weights", description = "Refuse weights holding NaN or +/-Inf (see generate)")
    boolean checkWeights;

    @picocli.CommandLine.Mixin
    PrecisionOption dtype = new PrecisionOption();

    @picocli.CommandLine.Mixin
    DeviceOption device = new DeviceOption();

    /**
     * A demo prompt: a chat conversation, and what the screen shows of it (the question and where the context came
     * from, not the whole prompt).
     */
    record Prompt(String title, String shown, List<ChatMessage> messages) {}

    private static final String RESET = "\u001b[0m";

    @Override
    public Integer call() throws IOException {
        Path dir = models != null
                ? models
                : Path.of(System.getProperty("rasd.home", ".")).resolve("models");
        Path targetDir = dir.resolve("demo-target");
        Path draftDir = dir.resolve("demo-draft");
        Path corpus = dir.resolve("demo-corpus");
        for (Path p : List.of(targetDir, draftDir, corpus)) {
            if (!Files.isDirectory(p)) {
                throw new RasdException(p + " is missing: the demo needs models/demo-target, models/demo-draft and"
                        + " models/demo-corpus (give another folder with --models)");
            }
        }
        boolean colour = switch (color) {
            case "always" -> true;
            case "never" -> false;
            case "auto" -> System.console() != null && System.getenv("NO_COLOR") == null;
            default -> throw new RasdException("--color must be auto, always or never, got \"" + color + "\"");
        };
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        LoadOptions load = LoadOptions.defaults()
                .withCheckFinite(checkWeights)
                .withPrecision(dtype.precision())
                .withDevice(device.device());
        try (CausalLm target = CausalLm.load(targetDir, load);
                CausalLm draft = CausalLm.load(draftDir, load);
                Tokenizer tokenizer = Tokenizer.load(targetDir);
                TokenDatastore store = CliCache.datastore("demo", tokenizer, List.of(corpus));
                RasdEngine engine = RasdEngine.builder()
                        .target(target)
                        .draft(draft)
                        .tokenizer(tokenizer)
                        .datastore(store)
                        .speculation(SpeculationConfig.DEFAULT)
                        .build()) {
            out.printf(
                    "rasd demo: target %s (%d layers), draft %s (%d layers), %s on %s, datastore %d tokens in %d"
                            + " documents%n",
                    targetDir.getFileName(),
                    target.config().numLayers(),
                    draftDir.getFileName(),
                    draft.config().numLayers(),
                    target.precision().label(),
                    target.device(),
                    store.tokenCount(),
                    store.documentCount());
            out.println("legend: " + mark(colour, TokenOrigin.DRAFT, "draft model") + "  "
                    + mark(colour, TokenOrigin.PLD, "prompt lookup") + "  "
                    + mark(colour, TokenOrigin.DATASTORE, "datastore") + "  target's own tokens unmarked");
            List<Prompt> prompts = prompts(corpus);
            ChatPromptEncoder chat = new ChatPromptEncoder(
                    ChatTemplate.load(targetDir), tokenizer, target.config().maxPositions(), "demo-target");
            // warm-up: the first forwards of a fresh engine are slower, and the cost curve is measured once
            for (DecodingMode m : List.of(DecodingMode.AR, DecodingMode.RASD)) {
                engine.generate(new GenerationRequest(
                        chat.encode(prompts.get(0).messages()).tokens(),
                        16,
                        m,
                        SamplingParams.GREEDY,
                        null,
                        List.of()));
            }
            List<String[]> rows = new ArrayList<>();
            boolean allIdentical = true;
            for (Prompt p : prompts) {
                int[] ids = chat.encode(p.messages()).tokens();
                out.printf("%n== %s (%d prompt tokens, through the model's chat template)%n", p.title(), ids.length);
                out.println(p.shown());
                out.print(colour ? "\u001b[1m>>\u001b[0m" : ">>");
                GenerationRequest rasd = new GenerationRequest(
                        ids, maxNewTokens, DecodingMode.RASD, SamplingParams.GREEDY, null, List.of());
                GenerationResult r = engine.generate(rasd, (tokens, origins, text) -> {
                    out.print(origins.length == 0 ? text : mark(colour, origins[0], text));
                    out.flush();
                });
                out.println();
                GenerationResult ar = engine.generate(new GenerationRequest(
                        ids, maxNewTokens, DecodingMode.AR, SamplingParams.GREEDY, null, List.of()));
                boolean identical = Arrays.equals(ar.tokens(), r.tokens());
                allIdentical &= identical;
                out.printf(
                        "   accepted: draft %d, prompt lookup %d, datastore %d, target %d%n",
                        r.stats().accepted(TokenOrigin.DRAFT),
                        r.stats().accepted(TokenOrigin.PLD),
                        r.stats().accepted(TokenOrigin.DATASTORE),
                        r.stats().accepted(TokenOrigin.TARGET));
                rows.add(new String[] {
                    p.title(),
                    fmt(ar.stats().tokensPerSecond()),
                    fmt(r.stats().tokensPerSecond()),
                    fmt(r.stats().meanAccepted()),
                    fmt(r.stats().tokensPerSecond() / ar.stats().tokensPerSecond()) + "x",
                    identical ? "yes" : "NO"
                });
            }
            out.printf(
                    "%n%-22s %10s %10s %6s %8s  %s%n",
                    "prompt", "ar tok/s", "rasd tok/s", "tau", "speedup", "identical output");
            for (String[] row : rows) {
                out.printf("%-22s %10s %10s %6s %8s  %s%n", (Object[]) row);
            }
            return allIdentical ? 0 : 3;
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Colours by source in a terminal; otherwise wraps: {draft} <pld> [datastore]. */
    private static String mark(boolean colour, TokenOrigin origin, String text) {
        if (text.isEmpty() || origin == TokenOrigin.TARGET) {
            return text;
        }
        if (colour) {
            String code = switch (origin) {
                case DRAFT -> "\u001b[36m";
                case PLD -> "\u001b[33m";
                default -> "\u001b[32m";
            };
            return code + text + RESET;
        }
        return switch (origin) {
            case DRAFT -> "{" + text + "}";
            case PLD -> "<" + text + ">";
            default -> "[" + text + "]";
        };
    }

    /**
     * A held-out perlfaq question asked as samples/langchain4j-rag asks it (the samples' system message, LangChain4j's
     * default content injector), with the openings of the question's own section and of the next one as the retrieved
     * context (segments of the samples' size, not retrieved by embeddings here); and a
     * code completion of a held-out JDK source in chat form.
     */
    static List<Prompt> prompts(Path corpus) throws IOException {
        String faq = Files.readString(corpus.resolve("perl/perlfaq5.pod"));
        String question = "How do I count the number of lines in a file?";
        String whole = podSection(faq, "=head2 " + question);
        String section = segment(whole);
        String next =
                segment(podSection(faq, faq.substring(faq.indexOf("=head2", faq.indexOf(whole) + whole.length()))));
        String user = question + "\n\nAnswer using the following information:\n" + section + "\n\n" + next;
        List<ChatMessage> doc = List.of(
                ChatMessage.system("You answer questions about the documents you are given, briefly."),
                ChatMessage.user(user));
        String shown = "user: " + question + "\n      + 2 retrieved sections of perlfaq5 (held out): \""
                + firstLine(section) + "\", \"" + firstLine(next) + "\"";
        String code = Files.readString(corpus.resolve("jdk/java.base/java/lang/StringBuffer.java"));
        String signature = "    public synchronized StringBuffer append(Object obj) {\n";
        int cut = code.indexOf(signature) + signature.length();
        String prefix = code.substring(Math.max(0, cut - 1200), cut);
        prefix = prefix.substring(prefix.indexOf('\n') + 1);
        List<ChatMessage> completion =
                List.of(ChatMessage.user("Complete this Java code:\n\n```java\n" + prefix + "```"));
        String tail = prefix.length() > 300 ? "..." + prefix.substring(prefix.length() - 300) : prefix;
        return List.of(
                new Prompt("document question", shown, doc),
                new Prompt(
                        "code completion",
                        "user: Complete this Java code: (StringBuffer.java, held out)\n" + tail,
                        completion));
    }

    /** A pod section from its heading line to the next {@code =head2} (whole, as the retriever returns it). */
    private static String podSection(String pod, String headingLine) {
        int q = pod.indexOf(headingLine.lines().findFirst().orElseThrow());
        if (q < 0) {
            throw new RasdException("the demo corpus has no \"" + headingLine + "\" in perlfaq5.pod");
        }
        int end = pod.indexOf("=head2", q + 7);
        return pod.substring(q, end < 0 ? pod.length() : end).strip();
    }

    /**
     * The opening of a section up to 700 characters (about 200 tokens, the samples' segment size), cut at a paragraph
     * as a recursive splitter cuts.
     */
    static String segment(String section) {
        if (section.length() <= 700) {
            return section;
        }
        int p = section.lastIndexOf("\n\n", 700);
        if (p < 200) {
            p = section.lastIndexOf('\n', 700);
        }
        return section.substring(0, p < 200 ? 700 : p).strip();
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse("");
    }
}
