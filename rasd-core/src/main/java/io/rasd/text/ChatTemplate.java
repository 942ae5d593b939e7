package io.rasd.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Sandboxed, because templates come from downloaded model directories ({@link TemplateSandbox}): no method calls
 * except the Python string methods and list/map methods above, no attributes of Java objects, only the filters,
 * functions and tags HF templates use (no {@code include}/{@code import}), values, strings and output capped (1 MiB
 * of output), 256 MiB allocated per render, macro recursion and render depth bounded, and a render-time limit. A template whose render does not stop
 * when its time is up is not rendered again: every further render of it would leave another thread running.
 */
public final class ChatTemplate {

    public static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static final long MAX_OUTPUT_CHARS = 1 << 20;
    static final long RENDER_TIMEOUT_MS = 5_000;
    /** How long a render that timed out may take to notice its interrupt before the template is given up. */
    static final long STOP_GRACE_MS = 2_000;

    /** {@code tools} as a name of its own ({@code custom_tools} and {@code builtin_tools} are other variables). */
    private static final Pattern TOOLS_VARIABLE = Pattern.compile("\\btools\\b");

    private static final Pattern TOOL_MESSAGES = Pattern.compile("\\btool_calls\\b|['\"]tool['\"]");

    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplate.class);
    private static final ExecutorService RENDERER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rasd-chat-template");
        t.setDaemon(true);
        return t;
    });

    private final String source;
    /** The template as the model publishes it, for callers that read its conventions (tool-call formats). */
    private final String text;

    private final String template;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;
    /** What {@code strftime_now} reads on a render thread: the clock of the template rendering there. */
    private static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

    private volatile long renderTimeoutMs = RENDER_TIMEOUT_MS;
    private volatile Clock clock = Clock.systemDefaultZone();
    private volatile long stopGraceMs = STOP_GRACE_MS;
    /** Why this template is no longer rendered; null while it may be. */
    private volatile String givenUp;

    ChatTemplate(String source, String template, Map<String, String> specialTokens) {
        this.source = source;
        this.text = template;
        this.template = JinjaDialect.toJinjava(template);
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinjava = TemplateSandbox.create(MAX_OUTPUT_CHARS);
    }

    /** Tests: whether a render overran its limit and did not stop, so the template is no longer rendered. */
    boolean isGivenUp() {
        return givenUp != null;
    }

    /** Tests: a shorter render-time limit, so fuzzing hostile templates stays fast. */
    ChatTemplate withRenderTimeout(long millis) {
        this.renderTimeoutMs = millis;
        return this;
    }

    /** Tests: a fixed clock for {@code strftime_now}, so templates that print today's date compare with goldens. */
    ChatTemplate withClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** Tests: how long a timed-out render may take to stop before the template is given up. */
    ChatTemplate withStopGrace(long millis) {
        this.stopGraceMs = millis;
        return this;
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
            for (String key : List.of(
                    "bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token")) {
                String v = Tokenizer.tokenContent(config.get(key));
                if (v != null) {
                    specials.put(key, v);
                }
            }
        }
        Path jinjaFile = dir.resolve("chat_template.jinja");
        if (Files.exists(jinjaFile)) {
            try {
                return new ChatTemplate(
                        jinjaFile.toString(), Files.readString(jinjaFile, StandardCharsets.UTF_8), specials);
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
            throw new RasdException(
                    configFile + ": chat_template must be a string or a list of" + " {\"name\", \"template\"} objects");
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

    /** The template's text as published (before the rewrites Jinjava needs). */
    public String text() {
        return text;
    }

    /**
     * Whether the template reads the {@code tools} variable: one that never does would drop the tools offered to the
     * model without a word, so tools are refused for it ({@link io.rasd.text.tools.ToolCallFormat#resolve}).
     */
    public boolean readsTools() {
        return TOOLS_VARIABLE.matcher(text).find();
    }

    /**
     * Whether the template renders the assistant's tool calls or {@code tool} messages at all: it reads
     * {@code tools} or {@code tool_calls}, or names the {@code tool} role (DeepSeek-R1's renders tool calls and
     * outputs without reading {@code tools}). One that does none of these would drop them from the prompt.
     */
    public boolean rendersToolMessages() {
        return readsTools() || TOOL_MESSAGES.matcher(text).find();
    }

    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(ChatTemplateRequest.of(messages, addGenerationPrompt));
    }

    /**
     * Renders {@code request} as transformers' {@code apply_chat_template(tokenize=False)} does: the special tokens,
     * then the request's variables over them, then {@code messages}, {@code tools} and {@code documents} (None when
     * absent, so {@code tools is defined} holds as in transformers) and {@code add_generation_prompt}.
     */
    public String render(ChatTemplateRequest request) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            msgs.add(m.toTemplateValue());
        }
        Map<String, Object> ctx = new HashMap<>(specialTokens);
        ctx.putAll(request.variables());
        ctx.put("messages", msgs);
        ctx.put("tools", request.tools());
        ctx.put("documents", request.documents());
        ctx.put("add_generation_prompt", request.addGenerationPrompt());
        for (String f : TemplateSandbox.FUNCTIONS) {
            // Python Jinja: a global function is a defined variable (Llama 3.2: "if strftime_now is defined")
            ctx.putIfAbsent(f, "<function " + f + ">");
        }
        Clock clock = this.clock;
        String refusal = givenUp;
        if (refusal != null) {
            throw new RasdException("Chat template from " + source + " is not rendered any more: " + refusal);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean started = new AtomicBoolean();
        Future<RenderResult> f = RENDERER.submit(() -> {
            started.set(true);
            try {
                TemplateSandbox.startRender();
                CLOCK.set(clock);
                return jinjava.renderForResult(template, ctx);
            } finally {
                CLOCK.remove();
                stopped.countDown();
            }
        });
        RenderResult result;
        long timeout = renderTimeoutMs;
        try {
            result = f.get(timeout, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            if (started.get()) { // else cancelled before it ran: it never will
                awaitStop(stopped, timeout);
            }
            throw new RasdException(
                    "Chat template from " + source + " did not finish rendering within " + timeout + " ms");
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

    /**
     * Jinjava stops an interrupted render at its next node; work inside one expression (Java's equals or hashCode
     * over a huge value) does not look at interrupts. A render still running after the grace period keeps a thread
     * busy, so the template is given up rather than started again on every request.
     */
    private void awaitStop(CountDownLatch stopped, long timeout) {
        long grace = stopGraceMs;
        try {
            if (stopped.await(grace, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        givenUp = "a render ran past its " + timeout + " ms limit and did not stop when interrupted";
        LOG.error(
                "Chat template from {}: a render ran past its {} ms limit and is still running after {} ms more;"
                        + " the template will not be rendered again",
                source,
                timeout,
                grace);
    }

    /** The error, naming the template (file or config key) and, where Jinjava knows it, the line. */
    private RasdException failure(Object cause) {
        String msg;
        String where = "";
        if (cause instanceof TemplateError err) {
            where = err.getLineno() > 0
                    ? " at line " + TemplateLines.sourceLine(template, err.getLineno(), err.getMessage())
                    : "";
            msg = err.getMessage();
            if (err.getException() != null) {
                RasdException raised = findRasd(err.getException());
                if (raised != null) {
                    msg = raised.getMessage();
                }
            }
        } else if (cause instanceof TemplateSandbox.RenderStopped stopped) {
            msg = stopped.getMessage();
        } else if (cause instanceof Throwable t) {
            RasdException raised = findRasd(t);
            msg = raised != null ? raised.getMessage() : t.toString();
        } else {
            msg = String.valueOf(cause);
        }
        return new RasdException("Chat template from " + source + " failed" + where + ": " + msg);
    }

    private static RasdException findRasd(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RasdException r) {
                return r;
            }
        }
        return null;
    }

    /** Templates call it to reject a conversation they cannot render (e.g. roles not alternating). */
    public static Object raiseException(Object message) {
        throw new RasdException(String.valueOf(message));
    }

    /** Python's {@code datetime.now().strftime(fmt)} for the directives chat templates use. */
    public static String strftimeNow(String format) {
        Clock clock = CLOCK.get();
        LocalDateTime now = LocalDateTime.now(clock == null ? Clock.systemDefaultZone() : clock);
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

    /**
     * HF's tojson: {@code json.dumps(x, ensure_ascii=False, indent=indent)}, Python's separators included. Serialises
     * template data only (dicts, lists, strings, numbers, bools, None) and stops at the output cap: through Gson's
     * reflection it used to serialise any Java object's fields, ran out of memory on {@code tojson(100000000)}
     * and never finished on a list shared with itself forty levels deep.
     */
    static final class HfToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            Integer indent = null;
            if (args.length > 0 && args[0] != null && !args[0].isBlank()) {
                String digits = args[0].replaceAll("[^0-9]", ""); // "4" or, from indent=4, "indent=4"
                if (digits.isEmpty()
                        || digits.length() > 5
                        || Integer.parseInt(digits) > TemplateSandbox.MAX_FILTER_NUMBER) {
                    throw new RasdException("chat template: tojson's indent must be a number up to "
                            + TemplateSandbox.MAX_FILTER_NUMBER + ", got " + args[0]);
                }
                indent = Integer.valueOf(digits);
            }
            StringBuilder sb = new StringBuilder();
            write(var, indent, 0, sb);
            return sb.toString();
        }

        private static void write(Object e, Integer indent, int level, StringBuilder sb) {
            if (level > TemplateSandbox.MAX_VALUE_DEPTH || sb.length() > MAX_OUTPUT_CHARS) {
                throw new RasdException("chat template: tojson's value is nested more than "
                        + TemplateSandbox.MAX_VALUE_DEPTH + " deep or longer than " + MAX_OUTPUT_CHARS
                        + " characters");
            }
            if (e instanceof Map<?, ?> map) {
                if (map.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> en : map.entrySet()) {
                    sb.append(first ? "" : indent == null ? ", " : ",");
                    newline(indent, level + 1, sb);
                    sb.append(quote(String.valueOf(en.getKey()))).append(": ");
                    write(en.getValue(), indent, level + 1, sb);
                    first = false;
                }
                newline(indent, level, sb);
                sb.append('}');
            } else if (e instanceof Iterable<?> || e instanceof Object[]) {
                Iterable<?> items = e instanceof Object[] a ? java.util.Arrays.asList(a) : (Iterable<?>) e;
                if (!items.iterator().hasNext()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                boolean first = true;
                for (Object x : items) {
                    sb.append(first ? "" : indent == null ? ", " : ",");
                    newline(indent, level + 1, sb);
                    write(x, indent, level + 1, sb);
                    first = false;
                }
                newline(indent, level, sb);
                sb.append(']');
            } else if (e == null) {
                sb.append("null");
            } else if (e instanceof CharSequence || e instanceof Character) {
                sb.append(quote(e.toString()));
            } else if (e instanceof com.hubspot.jinjava.objects.SafeString safe) {
                sb.append(quote(safe.toString()));
            } else if (e instanceof Boolean b) {
                sb.append(b ? "true" : "false");
            } else if (e instanceof Number n) {
                sb.append(n);
            } else {
                throw new RasdException("chat template: tojson got a "
                        + e.getClass().getSimpleName() + ", which is not JSON serializable");
            }
        }

        private static void newline(Integer indent, int level, StringBuilder sb) {
            if (indent != null) {
                sb.append('\n').append(" ".repeat(indent * level));
            }
        }

        /** Python json.dumps string escaping with ensure_ascii=False: {@link JsonStrings#quote}. */
        private static String quote(String s) {
            return JsonStrings.quote(s);
        }
    }
}
