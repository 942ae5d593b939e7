package io.rasd.text;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceLocator;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template, rendered like HF transformers' {@code apply_chat_template(tokenize=False)}: Jinja with
 * {@code trim_blocks} and {@code lstrip_blocks}, the globals {@code messages}, {@code add_generation_prompt}, the
 * special tokens of tokenizer_config.json, {@code raise_exception} and {@code strftime_now}, and HF's {@code tojson}.
 *
 * <p>Python-isms HF templates rely on and that work here: {@code str.startswith/endswith/strip/lstrip/rstrip/split/
 * upper/lower/title/replace/join/count/find}, {@code namespace()} with attribute assignment, {@code loop.*},
 * {@code is defined / is string}, {@code in}, {@code x[1:]} slices and {@code x[::-1]} reversal (rewritten to
 * Jinjava's {@code reverse} filter).
 *
 * <p>Sandboxed, because templates come from downloaded model directories: no method calls except the Python string
 * methods and list/map methods above, no {@code include}/{@code import} (a resource locator that refuses), output
 * capped at 1 MiB, macro recursion and render depth bounded, and a render-time limit.
 */
public final class ChatTemplate {

    public static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static final long MAX_OUTPUT_CHARS = 1 << 20;
    static final long RENDER_TIMEOUT_MS = 5_000;
    private static final Pattern REVERSE_SLICE = Pattern.compile("([A-Za-z_][A-Za-z0-9_.]*)\\[::-1\\]");
    private static final ExecutorService RENDERER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rasd-chat-template");
        t.setDaemon(true);
        return t;
    });

    private final String source;
    private final String template;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;

    ChatTemplate(String source, String template, Map<String, String> specialTokens) {
        this.source = source;
        this.template = REVERSE_SLICE.matcher(template).replaceAll(m ->
                Matcher.quoteReplacement("(" + m.group(1) + "|reverse|list)"));
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinjava = sandbox();
    }

    /**
     * The template of a HF model directory: {@code chat_template.jinja}, else {@code chat_template} in
     * tokenizer_config.json (a string, or a list of named templates of which "default" is used), else ChatML.
     */
    public static ChatTemplate load(Path dir) {
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonObject config = null;
        if (Files.exists(configFile)) {
            try {
                config = JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8))
                        .getAsJsonObject();
            } catch (IOException | RuntimeException e) {
                throw new RasdException(configFile + " is not a valid JSON object: " + e.getMessage(), e);
            }
        }
        Map<String, String> specials = new HashMap<>();
        if (config != null) {
            for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token",
                    "mask_token")) {
                String v = Tokenizer.tokenContent(config.get(key));
                if (v != null) {
                    specials.put(key, v);
                }
            }
        }
        Path jinjaFile = dir.resolve("chat_template.jinja");
        if (Files.exists(jinjaFile)) {
            try {
                return new ChatTemplate(jinjaFile.toString(), Files.readString(jinjaFile, StandardCharsets.UTF_8),
                        specials);
            } catch (IOException e) {
                throw new RasdException("Cannot read " + jinjaFile + ": " + e.getMessage(), e);
            }
        }
        JsonElement t = config == null ? null : config.get("chat_template");
        if (t != null && !t.isJsonNull()) {
            String src = configFile + " (chat_template)";
            if (t.isJsonPrimitive()) {
                return new ChatTemplate(src, t.getAsString(), specials);
            }
            if (t.isJsonArray()) {
                String first = null;
                for (JsonElement e : t.getAsJsonArray()) {
                    JsonObject o = e.getAsJsonObject();
                    String name = o.get("name").getAsString();
                    String body = o.get("template").getAsString();
                    if (name.equals("default")) {
                        return new ChatTemplate(src + "[default]", body, specials);
                    }
                    first = first == null ? body : first;
                }
                if (first != null) {
                    return new ChatTemplate(src + "[0]", first, specials);
                }
            }
            throw new RasdException(configFile + ": chat_template must be a string or a list of"
                    + " {\"name\", \"template\"} objects");
        }
        return new ChatTemplate("ChatML fallback", CHATML, specials);
    }

    /** A template given directly (tests, user overrides). */
    public static ChatTemplate of(String template, Map<String, String> specialTokens) {
        return new ChatTemplate("inline template", template, specialTokens);
    }

    public boolean isFallback() {
        return source.equals("ChatML fallback");
    }

    /** Where the template came from: a file, a tokenizer_config.json key, or the ChatML fallback. */
    public String source() {
        return source;
    }

    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            msgs.add(o);
        }
        Map<String, Object> ctx = new HashMap<>(specialTokens);
        ctx.put("messages", msgs);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        Future<RenderResult> f = RENDERER.submit(() -> jinjava.renderForResult(template, ctx));
        RenderResult result;
        try {
            result = f.get(RENDER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new RasdException("Chat template from " + source + " did not finish rendering within "
                    + RENDER_TIMEOUT_MS + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RasdException("Interrupted while rendering the chat template from " + source);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
        for (TemplateError err : result.getErrors()) {
            // Jinjava reports some exceptions (macro recursion past the limit) as warnings and renders nothing there
            if (err.getSeverity() == TemplateError.ErrorType.FATAL
                    || err.getReason() == TemplateError.ErrorReason.EXCEPTION) {
                throw failure(err);
            }
        }
        return result.getOutput();
    }

    private RasdException failure(Object cause) {
        String msg;
        if (cause instanceof TemplateError err) {
            msg = err.getMessage();
            if (err.getException() != null) {
                RasdException raised = findRasd(err.getException());
                if (raised != null) {
                    msg = raised.getMessage();
                }
            }
        } else if (cause instanceof Throwable t) {
            RasdException raised = findRasd(t);
            msg = raised != null ? raised.getMessage() : t.toString();
        } else {
            msg = String.valueOf(cause);
        }
        return new RasdException("Chat template from " + source + " failed: " + msg);
    }

    private static RasdException findRasd(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RasdException r) {
                return r;
            }
        }
        return null;
    }

    private static Jinjava sandbox() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(com.hubspot.jinjava.el.JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxRenderDepth(10)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(20)
                .withNestedInterpretationEnabled(false)
                .withRangeLimit(10_000)
                .withElResolver(resolver)
                .build();
        Jinjava j = new Jinjava(config);
        j.setResourceLocator(new ResourceLocator() {
            @Override
            public String getString(String fullName, Charset encoding, JinjavaInterpreter interpreter)
                    throws IOException {
                throw new IOException("chat templates may not load \"" + fullName + "\" (include/import are"
                        + " disabled)");
            }
        });
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", Object.class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class,
                "strftimeNow", String.class));
        j.getGlobalContext().registerFilter(new HfToJson());
        return j;
    }

    /** Templates call it to reject a conversation they cannot render (e.g. roles not alternating). */
    public static Object raiseException(Object message) {
        throw new RasdException(String.valueOf(message));
    }

    /** Python's {@code datetime.now().strftime(fmt)} for the directives chat templates use. */
    public static String strftimeNow(String format) {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            java.util.Locale en = java.util.Locale.ENGLISH;
            switch (d) {
                case 'd' -> sb.append(String.format("%02d", now.getDayOfMonth()));
                case 'm' -> sb.append(String.format("%02d", now.getMonthValue()));
                case 'Y' -> sb.append(now.getYear());
                case 'y' -> sb.append(String.format("%02d", now.getYear() % 100));
                case 'H' -> sb.append(String.format("%02d", now.getHour()));
                case 'M' -> sb.append(String.format("%02d", now.getMinute()));
                case 'S' -> sb.append(String.format("%02d", now.getSecond()));
                case 'b' -> sb.append(now.getMonth().getDisplayName(java.time.format.TextStyle.SHORT, en));
                case 'B' -> sb.append(now.getMonth().getDisplayName(java.time.format.TextStyle.FULL, en));
                case 'a' -> sb.append(now.getDayOfWeek().getDisplayName(java.time.format.TextStyle.SHORT, en));
                case 'A' -> sb.append(now.getDayOfWeek().getDisplayName(java.time.format.TextStyle.FULL, en));
                case 'j' -> sb.append(String.format("%03d", now.getDayOfYear()));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(d);
            }
        }
        return sb.toString();
    }

    /** HF's tojson: {@code json.dumps(x, ensure_ascii=False, indent=indent)}, Python's separators included. */
    static final class HfToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            Integer indent = args.length > 0 && args[0] != null && !args[0].isBlank()
                    ? Integer.valueOf(args[0].replaceAll("[^0-9]", "")) : null;
            JsonElement tree = new GsonBuilder().serializeNulls().create().toJsonTree(var);
            StringBuilder sb = new StringBuilder();
            write(tree, indent, 0, sb);
            return sb.toString();
        }

        private static void write(JsonElement e, Integer indent, int level, StringBuilder sb) {
            if (e.isJsonObject()) {
                if (e.getAsJsonObject().isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonElement> en : e.getAsJsonObject().entrySet()) {
                    sb.append(first ? "" : indent == null ? ", " : ",");
                    newline(indent, level + 1, sb);
                    sb.append(quote(en.getKey())).append(": ");
                    write(en.getValue(), indent, level + 1, sb);
                    first = false;
                }
                newline(indent, level, sb);
                sb.append('}');
            } else if (e.isJsonArray()) {
                if (e.getAsJsonArray().isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                boolean first = true;
                for (JsonElement x : e.getAsJsonArray()) {
                    sb.append(first ? "" : indent == null ? ", " : ",");
                    newline(indent, level + 1, sb);
                    write(x, indent, level + 1, sb);
                    first = false;
                }
                newline(indent, level, sb);
                sb.append(']');
            } else if (e.isJsonNull()) {
                sb.append("null");
            } else if (e.getAsJsonPrimitive().isString()) {
                sb.append(quote(e.getAsString()));
            } else if (e.getAsJsonPrimitive().isBoolean()) {
                sb.append(e.getAsBoolean() ? "true" : "false");
            } else {
                sb.append(e.getAsJsonPrimitive().getAsString());
            }
        }

        private static void newline(Integer indent, int level, StringBuilder sb) {
            if (indent != null) {
                sb.append('\n').append(" ".repeat(indent * level));
            }
        }

        /** Python json.dumps string escaping with ensure_ascii=False. */
        private static String quote(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            return sb.append('"').toString();
        }
    }
}
