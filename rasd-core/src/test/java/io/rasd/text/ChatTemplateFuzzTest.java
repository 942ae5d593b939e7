package io.rasd.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.Fuzz;
import java.io.FilePermission;
import java.io.IOException;
import java.net.SocketPermission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Permission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.PropertyPermission;
import java.util.UUID;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the chat-template renderer with templates generated from a grammar of Jinja constructs (loops over huge
 * ranges, recursion through macros and caller, filters and tests with hostile arguments, attribute and method
 * access to Java internals, include/import/extends, value-doubling bombs) and with mutants of real HF templates,
 * over conversations with odd content (control characters, lone surrogates, template syntax, long strings). The
 * contract: a string of at most {@link ChatTemplate#MAX_OUTPUT_CHARS} or a RasdException, within the render-time
 * limit; a render that times out stops; nothing read from files, system properties or the environment reaches the
 * output, and (where the JDK still has a SecurityManager) no render thread asks to read a file, a system property or
 * an environment variable, to connect or to run a process.
 */
class ChatTemplateFuzzTest {

    static final Fuzz FUZZ = new Fuzz("chat template");
    /** Short, so hostile templates that run to the limit keep the fuzz run fast. */
    private static final long TIMEOUT_MS = 300;

    private static final Duration LIMIT = Duration.ofMillis(TIMEOUT_MS + ChatTemplate.STOP_GRACE_MS + 3_000);
    private static final String CANARY_PROPERTY = "rasd.fuzz.canary";

    private static Path canaryFile;
    private static String canaryFileText;
    private static String canaryPropertyText;
    private static Watcher watcher;

    // ---- real templates (simplified from the hub's), the base for mutants and for the odd-content property ----

    static final String LLAMA3 = "{{- bos_token }}\n"
            + "{%- if not date_string is defined %}{%- set date_string = strftime_now(\"%d %b %Y\") %}{%- endif %}\n"
            + "{%- if messages[0]['role'] == 'system' %}\n"
            + "    {%- set system_message = messages[0]['content']|trim %}\n"
            + "    {%- set messages = messages[1:] %}\n"
            + "{%- else %}\n"
            + "    {%- set system_message = \"\" %}\n"
            + "{%- endif %}\n"
            + "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n"
            + "{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n"
            + "{%- if tools is defined and tools is not none %}{{- tools|tojson(indent=4) }}{%- endif %}\n"
            + "{{- system_message }}\n"
            + "{{- \"<|eot_id|>\" }}\n"
            + "{%- for message in messages %}\n"
            + "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim"
            + " + '<|eot_id|>' }}\n"
            + "{%- endfor %}\n"
            + "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
            + "{%- endif %}\n";

    static final String MISTRAL = "{%- if messages[0]['role'] == 'system' %}{%- set system_message ="
            + " messages[0]['content'] %}{%- set loop_messages = messages[1:] %}{%- else %}{%- set loop_messages ="
            + " messages %}{%- endif %}\n"
            + "{{- bos_token }}\n"
            + "{%- for message in loop_messages %}\n"
            + "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{- raise_exception('After the"
            + " optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}"
            + "{%- endif %}\n"
            + "    {%- if message['role'] == 'user' %}\n"
            + "        {%- if loop.first and system_message is defined %}{{- ' [INST] ' + system_message + '\\n\\n'"
            + " + message['content'] + ' [/INST]' }}\n"
            + "        {%- else %}{{- ' [INST] ' + message['content'] + ' [/INST]' }}{%- endif %}\n"
            + "    {%- elif message['role'] == 'assistant' %}{{- ' ' + message['content']|trim + eos_token }}\n"
            + "    {%- else %}{{- raise_exception('Only user and assistant roles are supported!') }}\n"
            + "    {%- endif %}\n"
            + "{%- endfor %}\n";

    // Qwen3 writes namespace(..., last_query_index=messages|length - 1), which Jinjava parsed as (name=value) - 1
    // until JinjaDialect put the value in parentheses
    static final String QWEN3 =
            "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n"
                    + "{%- for message in messages[::-1] %}\n"
                    + "    {%- set index = (messages|length - 1) - loop.index0 %}\n"
                    + "    {%- if ns.multi_step_tool and message.role == \"user\" and not(message.content.startswith("
                    + "'<tool_response>') and message.content.endswith('</tool_response>')) %}\n"
                    + "        {%- set ns.multi_step_tool = false %}\n"
                    + "        {%- set ns.last_query_index = index %}\n"
                    + "    {%- endif %}\n"
                    + "{%- endfor %}\n"
                    + "{%- for message in messages %}\n"
                    + "    {%- if message.role == \"assistant\" and '</think>' in message.content %}\n"
                    + "        {%- set content = message.content.split('</think>')[-1].lstrip('\\n') %}\n"
                    + "        {%- set reasoning = message.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1]"
                    + ".lstrip('\\n') %}\n"
                    + "        {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning.strip('\\n') + '\\n</think>\\n\\n'"
                    + " + content.lstrip('\\n') + '<|im_end|>\\n' }}\n"
                    + "    {%- else %}\n"
                    + "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
                    + "    {%- endif %}\n"
                    + "{%- endfor %}\n"
                    + "{{- ns.last_query_index }}\n"
                    + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}\n";

    static final String GEMMA = "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System"
            + " role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') !="
            + " (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate"
            + " user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role"
            + " = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n'"
            + " + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}"
            + "{{'<start_of_turn>model\\n'}}{% endif %}";

    static final String TOOLS = "{%- set sys = messages | selectattr('role', 'equalto', 'system') | list %}\n"
            + "{%- set roles = messages | map(attribute='role') | unique | list %}\n"
            + "{{- roles | join(', ') }}|{{ sys | length }}|{{ (messages | length) is divisibleby 2 }}\n"
            + "{%- for k, v in {'b': 1, 'a': [1, 2]} | dictsort %}{{ k }}={{ v | tojson }};{% endfor %}\n"
            + "{%- for k, v in messages[0].items() %}{{ k }}:{{ v | length }} {% endfor %}\n"
            + "{%- for m in messages %}{{ loop.cycle('odd', 'even') }}{{ m.content | wordcount }}{% endfor %}\n"
            + "{{- '%s-%05d' | format('x', 42) }}{{ 'a\\nb' | indent(2) }}{{ messages | tojson }}";

    private static final Map<String, Object> TOOL = Map.of(
            "type",
            "function",
            "function",
            Map.of("name", "get_weather", "parameters", Map.of("type", "object", "properties", Map.of())));

    static final List<String> REAL = List.of(ChatTemplate.CHATML, LLAMA3, MISTRAL, QWEN3, GEMMA, TOOLS);

    /** The published templates of testdata/chat-templates (Llama 3.x, Qwen2.5/3, Mistral, DeepSeek-R1, ...). */
    static final List<String> PUBLISHED = published();

    /** What mutants start from and what odd content is rendered with. */
    static final List<String> BASES =
            java.util.stream.Stream.concat(REAL.stream(), PUBLISHED.stream()).toList();

    private static List<String> published() {
        try (var files = Files.list(ChatTemplateGoldenTest.DIR)) {
            List<String> out = new ArrayList<>();
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".jinja")).sorted().toList()) {
                out.add(Files.readString(f));
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void setUp() throws IOException {
        canaryFile = FUZZ.directory().resolve("secret.txt");
        canaryFileText = "FILE-CANARY-" + UUID.randomUUID();
        Files.writeString(canaryFile, canaryFileText);
        canaryPropertyText = "PROPERTY-CANARY-" + UUID.randomUUID();
        System.setProperty(CANARY_PROPERTY, canaryPropertyText);
        watcher = Watcher.install();
    }

    @AfterAll
    static void tearDown() throws IOException {
        Watcher.uninstall(watcher);
        System.clearProperty(CANARY_PROPERTY);
        FUZZ.finish();
        System.out.println("fuzz chat template: permission checks on render threads "
                + (watcher == null ? "not watched (this JDK has no SecurityManager)" : "watched, none refused"));
    }

    // ---- properties ----

    @Test
    void grammarTemplatesRenderOrFailWithRasdException() {
        Fuzz.forAll(
                2000,
                r -> new Case(new Grammar(r, canaryFile.toString()).template(), conversation(r)),
                c -> check(c.template(), c.messages()));
    }

    @Test
    void mutantsOfRealTemplatesRenderOrFailWithRasdException() {
        Fuzz.forAll(800, r -> new Case(mutant(r), conversation(r)), c -> check(c.template(), c.messages()));
    }

    @Test
    void realTemplatesTreatOddContentAsData() {
        Fuzz.forAll(500, r -> new Case(BASES.get(r.nextInt(BASES.size())), conversation(r)), c -> {
            String out = check(c.template(), c.messages());
            if (out != null && c.template().equals(ChatTemplate.CHATML)) {
                for (ChatMessage m : c.messages()) { // content is copied verbatim, never interpreted as a template
                    assertThat(out).contains(String.valueOf(m.content()));
                }
            }
        });
    }

    /** One fuzz input: a template and the conversation rendered with it (long contents shortened when printed). */
    record Case(String template, List<ChatMessage> messages) {
        @Override
        public String toString() {
            List<String> shown = new ArrayList<>();
            for (ChatMessage m : messages) {
                String c = m.content();
                String start = c.length() > 80 ? c.substring(0, 80) + "... (" + c.length() + " chars)" : c;
                shown.add(m.role() + ": " + start);
            }
            return "template " + template + "\nmessages " + shown;
        }
    }

    // ---- the contract ----

    /** Renders and checks the contract; the output, or null when the template was rejected. */
    private static String check(String template, List<ChatMessage> messages) {
        Fuzz.Outcome<ChatTemplate> parsed = Fuzz.call(
                LIMIT,
                () -> ChatTemplate.of(template, Map.of("bos_token", "<s>", "eos_token", "</s>"))
                        .withRenderTimeout(TIMEOUT_MS));
        assertThat(parsed.accepted())
                .as("ChatTemplate.of only stores the template")
                .isTrue();
        ChatTemplate t = parsed.value();
        long t0 = System.nanoTime();
        // tools are offered to every other conversation, as the API's callers will
        ChatTemplateRequest request = ChatTemplateRequest.of(messages, true)
                .withTools(messages.size() % 2 == 0 ? null : List.of(TOOL))
                .with("enable_thinking", messages.size() % 3 == 0);
        Fuzz.Outcome<String> o = FUZZ.input(LIMIT, () -> t.render(request));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("render time").isLessThan(TIMEOUT_MS + ChatTemplate.STOP_GRACE_MS);
        assertThat(t.isGivenUp()).as("a render that timed out did not stop").isFalse();
        if (watcher != null) {
            watcher.assertNothingAsked();
        }
        if (!o.accepted()) {
            assertThat(o.rejection().getMessage()).doesNotContain(canaryFileText, canaryPropertyText);
            return null;
        }
        String out = o.value();
        assertThat((long) out.length()).isLessThanOrEqualTo(ChatTemplate.MAX_OUTPUT_CHARS);
        assertThat(out).doesNotContain(canaryFileText, canaryPropertyText);
        String path = System.getenv("PATH");
        if (path != null && path.length() > 20) {
            assertThat(out).doesNotContain(path);
        }
        return out;
    }

    /**
     * Records what a render thread asks the SecurityManager for, and refuses it: to read a file or a system property
     * (except where class, resource or service loading does, which any template triggers alike), an environment
     * variable, to write or run a file, to connect, to exit or to replace the SecurityManager.
     */
    @SuppressWarnings("removal")
    static final class Watcher extends SecurityManager {
        private static final List<String> LOADING = List.of(
                "java.lang.ClassLoader",
                "jdk.internal.loader.",
                "java.util.ServiceLoader",
                "java.util.ResourceBundle",
                "jinjava.javax.el.ExpressionFactory",
                "java.time.zone.",
                "java.lang.invoke.");
        private final List<String> asked = Collections.synchronizedList(new ArrayList<>());

        static Watcher install() {
            Watcher w = new Watcher();
            try {
                System.setSecurityManager(w);
                return w;
            } catch (UnsupportedOperationException | SecurityException e) {
                return null; // JDK 24+, or run without -Djava.security.manager=allow
            }
        }

        static void uninstall(Watcher w) {
            if (w != null) {
                System.setSecurityManager(null);
            }
        }

        @Override
        public void checkPermission(Permission perm) {
            if (!Thread.currentThread().getName().startsWith("rasd-chat-template") || allowed(perm)) {
                return;
            }
            asked.add(perm.toString());
            throw new SecurityException("chat template render asked for " + perm);
        }

        @Override
        public void checkPermission(Permission perm, Object context) {
            checkPermission(perm);
        }

        private static boolean allowed(Permission perm) {
            if (perm instanceof FilePermission) {
                return perm.getActions().equals("read") && byLoading();
            }
            if (perm instanceof PropertyPermission) {
                return perm.getActions().equals("read") && byLoading();
            }
            if (perm instanceof SocketPermission) {
                return false;
            }
            String n = perm.getName();
            return !(n.startsWith("getenv.")
                    || n.startsWith("exitVM")
                    || n.equals("setSecurityManager")
                    || n.equals("setIO"));
        }

        /** Whether class, resource or service loading (or a class initialiser) asks, not template code. */
        private static boolean byLoading() {
            return StackWalker.getInstance()
                    .walk(frames -> frames.anyMatch(f -> f.getMethodName().equals("<clinit>")
                            || LOADING.stream().anyMatch(f.getClassName()::startsWith)));
        }

        void assertNothingAsked() {
            List<String> copy;
            synchronized (asked) {
                copy = List.copyOf(asked);
                asked.clear();
            }
            assertThat(copy).as("permissions a render thread asked for").isEmpty();
        }
    }

    // ---- generators ----

    /** A real template with one to three edits: a generated statement or expression inserted, text cut or copied. */
    static String mutant(RandomGenerator r) {
        Grammar g = new Grammar(r, canaryFile.toString());
        StringBuilder t = new StringBuilder(BASES.get(r.nextInt(BASES.size())));
        for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) {
            int at = r.nextInt(t.length() + 1);
            switch (r.nextInt(4)) {
                case 0 -> t.insert(at, g.statement(1));
                case 1 -> t.delete(at, Math.min(t.length(), at + 1 + r.nextInt(12)));
                case 2 -> t.insert(at, "{{ " + g.expr(1) + " }}");
                default -> {
                    int from = r.nextInt(t.length() + 1);
                    int to = Math.min(t.length(), from + r.nextInt(40));
                    t.insert(at, t.substring(from, to));
                }
            }
        }
        return t.toString();
    }

    static List<ChatMessage> conversation(RandomGenerator r) {
        List<ChatMessage> out = new ArrayList<>();
        String[] roles = {"user", "assistant", "system", "tool", "", "USER", "ユーザー", "{{ 7*7 }}"};
        for (int i = 0, n = r.nextInt(6); i < n; i++) {
            String role = r.nextInt(3) == 0 ? roles[r.nextInt(roles.length)] : i % 2 == 0 ? "user" : "assistant";
            switch (r.nextInt(8)) {
                case 0 ->
                    out.add(ChatMessage.assistantToolCalls(
                            r.nextBoolean() ? null : content(r),
                            List.of(new ToolCall(
                                    r.nextBoolean() ? "call00001" : content(r),
                                    content(r),
                                    r.nextBoolean() ? content(r) : Map.of("a", content(r), "n", r.nextInt())))));
                case 1 -> out.add(ChatMessage.toolResult(content(r), content(r), content(r)));
                default -> out.add(new ChatMessage(role, content(r)));
            }
        }
        return out;
    }

    private static String content(RandomGenerator r) {
        return switch (r.nextInt(10)) {
            case 0 -> "";
            case 1 -> "\u0000\u0001\u001b[31m\r\n\t\u007f\u2028\u2029";
            case 2 -> "lone \ud800 surrogate \udfff and a pair \ud83d\ude00";
            case 3 -> "{{ 7*7 }} {% include '/etc/passwd' %} {# comment #} {% raw %}";
            case 4 -> "x".repeat(1 + r.nextInt(200_000));
            case 5 -> "<think>reasoning</think>\n\nanswer";
            case 6 -> "<tool_response>{\"a\": 1}</tool_response>";
            case 7 -> "\\' \" ' \\\\ \\n";
            default -> "hello world " + r.nextInt(1000);
        };
    }

    /** Jinja constructs, hostile ones included, nested a few levels. */
    static final class Grammar {
        private final RandomGenerator r;
        private final String canary;

        Grammar(RandomGenerator r, String canaryPath) {
            this.r = r;
            this.canary = canaryPath;
        }

        String template() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
                sb.append(statement(0));
            }
            return sb.toString();
        }

        private <T> T pick(T[] options) {
            return options[r.nextInt(options.length)];
        }

        String statement(int depth) {
            if (depth > 3) {
                return "{{ " + expr(depth) + " }}";
            }
            String dash = r.nextInt(4) == 0 ? "-" : "";
            return switch (r.nextInt(depth == 0 ? 23 : 18)) {
                case 0, 1 ->
                    pick(new String[] {
                        "text ",
                        "\n",
                        "  ",
                        "<|im_start|>",
                        "{#",
                        "#}",
                        "}}",
                        "%}",
                        "{{",
                        "{%",
                        "{% endif %}",
                        "{% endfor %}",
                        "{{ }}",
                        "{% %}",
                        "\u0000",
                        "é"
                    });
                case 2, 3, 4 -> "{{" + dash + " " + expr(depth) + " " + dash + "}}";
                case 5 ->
                    "{%" + dash + " if " + expr(depth) + " %}" + statement(depth + 1)
                            + (r.nextBoolean() ? "{% elif " + expr(depth) + " %}" + statement(depth + 1) : "")
                            + (r.nextBoolean() ? "{% else %}" + statement(depth + 1) : "") + "{% endif %}";
                case 6, 7 ->
                    "{% for " + pick(new String[] {"x", "m", "k, v", "message"}) + " in " + iterable(depth)
                            + (r.nextInt(5) == 0 ? " if " + expr(depth) : "") + " %}" + statement(depth + 1)
                            + (r.nextInt(4) == 0 ? "{% " + pick(new String[] {"break", "continue"}) + " %}" : "")
                            + (r.nextInt(6) == 0 ? "{% else %}" + statement(depth + 1) : "") + "{% endfor %}";
                case 8 ->
                    "{% set "
                            + pick(new String[] {
                                "x", "y", "messages", "loop", "ns.s", "ns.x", "range", "bos_token", "__class__"
                            })
                            + " = " + expr(depth) + " %}";
                case 9 -> "{% set ns = namespace(s=" + expr(depth) + ", x=[1]) %}";
                case 10 ->
                    "{% macro " + pick(new String[] {"m", "f"}) + "(a, b=1) %}" + statement(depth + 1)
                            + (r.nextBoolean()
                                    ? "{{ " + pick(new String[] {"m", "f"}) + "(" + expr(depth) + ") }}"
                                    : "")
                            + (r.nextBoolean() ? "{{ caller() }}" : "") + "{% endmacro %}"
                            + "{{ " + pick(new String[] {"m", "f"}) + "(" + expr(depth) + ") }}";
                case 11 ->
                    "{% macro m(a) %}{{ caller(a) }}{{ m(a) }}{% endmacro %}{% call(x) m(1) %}" + statement(depth + 1)
                            + "{% endcall %}";
                case 12 ->
                    "{% raw %}" + pick(new String[] {"{{ 1/0 }}", "{% include 'x' %}", "{% endraw"}) + "{% endraw %}";
                case 13 ->
                    "{% " + pick(new String[] {"include", "import", "extends", "from"}) + " "
                            + pick(new String[] {
                                "'" + canary + "'",
                                "'/etc/passwd'",
                                "'../../etc/hosts'",
                                "'x'",
                                "messages[0].content",
                                "'file://" + canary + "'",
                                "'http://169.254.169.254/'"
                            })
                            + pick(new String[] {"", " as h", " import y", " with context"}) + " %}";
                case 14 -> "{% do " + expr(depth) + " %}";
                case 15 ->
                    "{% set ns = namespace(s=[1], t=[1]) %}{% for i in range("
                            + pick(new String[] {"10", "20", "40", "64"})
                            + ") %}{% set ns.s = [ns.s, ns.s] %}{% set ns.t = [ns.t, ns.t] %}{% endfor %}"
                            + "{{ "
                            + pick(new String[] {
                                "ns.s == ns.t",
                                "ns.s",
                                "ns.s|tojson",
                                "[ns.s]|unique",
                                "ns.s|string|length",
                                "ns.t in [ns.s]",
                                "ns.s|length",
                                "ns.s|join(',')"
                            })
                            + " }}";
                case 16 ->
                    "{% set ns = namespace(s='ab') %}{% for i in range(" + pick(new String[] {"8", "30"})
                            + ") %}{% set ns.s = "
                            + pick(new String[] {
                                "ns.s ~ ns.s",
                                "ns.s + ns.s",
                                "ns.s.replace('a', 'aa')",
                                "'%s%s'|format(ns.s, ns.s)",
                                "[ns.s, ns.s]|join",
                                "ns.s.join([ns.s, ns.s])",
                                "(ns.s ~ ns.s).upper()",
                                "ns.s|replace('a', ns.s)",
                                "ns.s|indent(2, true)",
                                "[ns.s, ns.s]|tojson"
                            })
                            + " %}{% endfor %}{{ ns.s|length }}";
                case 17 ->
                    "{% "
                            + pick(new String[] {
                                "filter upper",
                                "autoescape true",
                                "print 1",
                                "cycle 'a','b'",
                                "ifchanged",
                                "unless false",
                                "block b",
                                "endblock",
                                "super()",
                                "print range(5)"
                            })
                            + " %}"
                            + (r.nextBoolean()
                                    ? statement(depth + 1) + "{% end"
                                            + pick(new String[] {"filter", "autoescape", "unless", "ifchanged", "block"
                                            })
                                            + " %}"
                                    : "");
                case 18 ->
                    r.nextInt(6) != 0
                            ? "{{ " + expr(depth) + " }}" // rare: each allocates 256 MiB
                            : "{% set ns = namespace(big='x') %}{% for i in range(" + pick(new String[] {"10", "19"})
                                    + ") %}{% set ns.big = ns.big ~ ns.big %}{% endfor %}{% set l = [] %}{% set d = {} %}"
                                    + "{% for i in range(" + pick(new String[] {"100", "10000"}) + ") %}{% do "
                                    + pick(new String[] {
                                        "l.append(ns.big ~ i)",
                                        "d.update({i: ns.big ~ i})",
                                        "l.extend([ns.big ~ i, i ~ ns.big])",
                                        "l.insert(0, ns.big ~ i)"
                                    })
                                    + " %}{% endfor %}{{ l|length }}{{ d|length }}";
                default -> "{{ " + expr(depth) + " }}";
            };
        }

        private String iterable(int depth) {
            return switch (r.nextInt(9)) {
                case 0, 1 -> "messages";
                case 2 ->
                    "range("
                            + pick(new String[] {
                                "0", "3", "10", "-5", "1, 10, 0", "1000", "10**9", "9223372036854775807"
                            })
                            + ")";
                case 3 -> r.nextInt(8) == 0 ? "range(10000)" : "range(50)";
                case 4 -> "messages[0].items()";
                case 5 -> "'string'";
                case 6 -> "{'a': 1, 'b': 2}|dictsort";
                case 7 -> "messages|selectattr('role', 'equalto', 'user')";
                default -> expr(depth + 1);
            };
        }

        String expr(int depth) {
            if (depth > 4) {
                return atom();
            }
            return switch (r.nextInt(12)) {
                case 0, 1, 2 -> atom();
                case 3, 4 -> expr(depth + 1) + attribute();
                case 5, 6 -> expr(depth + 1) + " | " + filter(depth);
                case 7 ->
                    expr(depth + 1) + " is " + pick(new String[] {"", "not "}) + pick(TESTS)
                            + (r.nextBoolean() ? "(" + atom() + ")" : "");
                case 8 ->
                    expr(depth + 1) + " "
                            + pick(new String[] {
                                "+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">", "in", "not in", "and",
                                "or"
                            })
                            + " " + expr(depth + 1);
                case 9 ->
                    expr(depth + 1)
                            + pick(new String[] {
                                "[1:]",
                                "[::-1]",
                                "[0]",
                                "[-1]",
                                "[:-1]",
                                "[99999999999]",
                                "[-99999999999:]",
                                "['role']",
                                "[none]",
                                "[1:2:0]"
                            });
                case 10 -> call(depth);
                default -> "(" + expr(depth + 1) + " if " + expr(depth + 1) + " else " + expr(depth + 1) + ")";
            };
        }

        private String atom() {
            return switch (r.nextInt(10)) {
                case 0 ->
                    pick(new String[] {
                        "messages",
                        "messages[0]",
                        "messages[0].content",
                        "messages[0]['role']",
                        "m",
                        "x",
                        "message",
                        "loop",
                        "loop.index0",
                        "ns",
                        "ns.s",
                        "bos_token",
                        "eos_token",
                        "add_generation_prompt",
                        "undefined_name",
                        "____int3rpr3t3r____",
                        "self",
                        "caller",
                        "range",
                        "namespace",
                        "raise_exception",
                        "__class__",
                        "tools",
                        "date_string",
                        "k",
                        "v",
                        "h"
                    });
                case 1 ->
                    pick(new String[] {
                        "0",
                        "-1",
                        "1",
                        "2",
                        "3.5",
                        "1e308",
                        "-0.0",
                        "9223372036854775807",
                        "99999999999999999999999",
                        "10**9",
                        "2**64",
                        "1/0"
                    });
                case 2 ->
                    pick(new String[] {
                        "'x'",
                        "''",
                        "'%s'",
                        "'%2000000000d'",
                        "'{{ 7*7 }}'",
                        "'\\u0000'",
                        "'" + canary + "'",
                        "'java.lang.Runtime'",
                        "'" + CANARY_PROPERTY + "'",
                        "'user.home'",
                        "'PATH'",
                        "'\\ud800'",
                        "\"é\"",
                        "'" + "a".repeat(1000) + "'"
                    });
                case 3 -> "[" + atom() + ", " + atom() + "]";
                case 4 -> "{'a': " + atom() + ", " + atom() + ": 1}";
                case 5 -> pick(new String[] {"true", "false", "none", "True", "None"});
                case 6 -> "messages[0].content" + attribute();
                case 7 ->
                    "loop."
                            + pick(new String[] {
                                "index",
                                "index0",
                                "first",
                                "last",
                                "length",
                                "revindex",
                                "cycle('a', 'b')",
                                "next()",
                                "it",
                                "depth"
                            });
                default -> pick(new String[] {"messages", "m", "x", "ns.s"});
            };
        }

        private String attribute() {
            return pick(new String[] {
                ".content",
                ".role",
                "['content']",
                ".__class__",
                ".class",
                ".getClass()",
                ".getClass().forName('java.lang.Runtime')",
                ".getClass().getClassLoader()",
                ".bytes",
                ".blank",
                ".classLoader",
                ".__globals__",
                ".__init__",
                ".__mro__",
                ".__subclasses__()",
                ".getRuntime()",
                ".exec('id')",
                ".items()",
                ".keys()",
                ".values()",
                ".get('role')",
                ".append(1)",
                ".update({'a': 1})",
                ".pop()",
                ".upper()",
                ".strip()",
                ".split(',')",
                ".split()",
                ".startswith('a')",
                ".replace('a', 'bb')",
                ".join(['a', 'b'])",
                ".title()",
                ".count('a')",
                ".find('a')",
                ".format(1)",
                ".isdigit()",
                ".size()",
                ".toString()",
                ".hashCode()",
                ".wait()",
                ".notify()",
                ".length",
                ".config",
                ".context",
                ".interpreter",
                ".getConfig()",
                ".getContext()",
                ".getResource('/etc/passwd')",
                ".render('{{ 1 }}')",
                ".localContextScope",
                ".filter('x')",
                ".getProperty('user.home')",
                ".getenv('PATH')",
                ".value",
                ".key",
                ".grouper",
                ".list"
            });
        }

        private String filter(int depth) {
            String name = pick(FILTERS);
            String args = switch (r.nextInt(5)) {
                case 0 -> "";
                case 1 ->
                    "("
                            + pick(new String[] {
                                "2",
                                "2000000000",
                                "-1",
                                "0",
                                "'x'",
                                "'" + canary + "'",
                                "attribute='role'",
                                "indent=4",
                                "indent=100000000",
                                "true",
                                "none",
                                "'%Y'",
                                "'class'",
                                "'getClass'",
                                "'__class__'"
                            })
                            + ")";
                case 2 -> "(" + expr(depth + 1) + ")";
                case 3 -> "('a', 'aaaaaaaaaaaaaaaa')";
                default -> "(" + atom() + ", " + atom() + ")";
            };
            return name + args;
        }

        /** Jinjava's filters and HF's: the allowed ones and the disabled ones. */
        private static final String[] FILTERS = {
            "abs",
            "add",
            "attr",
            "b64decode",
            "b64encode",
            "batch",
            "between_times",
            "bool",
            "capitalize",
            "center",
            "count",
            "cut",
            "d",
            "date",
            "datetimeformat",
            "default",
            "dictsort",
            "difference",
            "divide",
            "e",
            "escape",
            "escape_jinjava",
            "escapejs",
            "escapejson",
            "filesizeformat",
            "first",
            "float",
            "forceescape",
            "format",
            "fromjson",
            "fromyaml",
            "groupby",
            "indent",
            "int",
            "intersect",
            "ipaddr",
            "join",
            "last",
            "length",
            "list",
            "log",
            "lower",
            "map",
            "md5",
            "minus_time",
            "multiply",
            "pprint",
            "random",
            "regex_replace",
            "reject",
            "rejectattr",
            "render",
            "replace",
            "reverse",
            "root",
            "round",
            "safe",
            "select",
            "selectattr",
            "shuffle",
            "slice",
            "sort",
            "split",
            "string",
            "striptags",
            "strtotime",
            "sum",
            "title",
            "tojson",
            "toyaml",
            "trim",
            "truncate",
            "truncatehtml",
            "unescape_html",
            "union",
            "unique",
            "unixtimestamp",
            "upper",
            "urldecode",
            "urlencode",
            "urlize",
            "wordcount",
            "wordwrap",
            "xmlattr",
            "items",
            "min",
            "max"
        };

        private static final String[] TESTS = {
            "defined",
            "undefined",
            "none",
            "string",
            "number",
            "mapping",
            "iterable",
            "sequence",
            "divisibleby",
            "even",
            "odd",
            "sameas",
            "equalto",
            "containing",
            "within",
            "lower",
            "upper",
            "truthy",
            "string_startingwith",
            "greaterthan",
            "callable",
            "boolean"
        };

        private String call(int depth) {
            return switch (r.nextInt(8)) {
                case 0 ->
                    "range("
                            + pick(new String[] {
                                "5", "10**9", "-3", "0, 100000, 1", "9223372036854775807", "'x'", "none"
                            })
                            + ")";
                case 1 -> "namespace(a=" + expr(depth + 1) + ")";
                case 2 -> "raise_exception(" + expr(depth + 1) + ")";
                case 3 -> "strftime_now(" + pick(new String[] {"'%Y-%m-%d'", "'%'", "''", "none", "'%Q%%'", "1"}) + ")";
                case 4 ->
                    pick(new String[] {
                        "today()",
                        "unixtimestamp()",
                        "datetimeformat(1)",
                        "type(messages)",
                        "truncate('abc', 1)",
                        "super()",
                        "fn:list(1)",
                        "fn:map_entry(1, 2)",
                        "strtotime('1', 'y')",
                        "dict(a=1)",
                        "lipsum()",
                        "cycler(1)",
                        "joiner()",
                        "zip(1)"
                    });
                case 5 -> pick(new String[] {"m", "f", "caller"}) + "(" + expr(depth + 1) + ")";
                case 6 -> "____int3rpr3t3r____" + attribute();
                default -> "filter:" + pick(FILTERS) + ".filter(" + expr(depth + 1) + ", ____int3rpr3t3r____)";
            };
        }
    }
}
