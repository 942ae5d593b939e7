package io.rasd.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {

    private static List<ChatMessage> messages(JsonObject c) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonElement m : c.getAsJsonArray("messages")) {
            out.add(new ChatMessage(
                    m.getAsJsonObject().get("role").getAsString(),
                    m.getAsJsonObject().get("content").getAsString()));
        }
        return out;
    }

    @Test
    void rendersLikeTransformersApplyChatTemplateAndTokenizesToTheSameIds() throws IOException {
        Path dir = TestData.hf("tokenizer");
        ChatTemplate t = ChatTemplate.load(dir);
        assertThat(t.isFallback()).isFalse();
        try (Tokenizer tok = Tokenizer.load(dir)) {
            for (JsonElement e : JsonParser.parseString(Files.readString(dir.resolve("chat_golden.json")))
                    .getAsJsonArray()) {
                JsonObject c = e.getAsJsonObject();
                String rendered =
                        t.render(messages(c), c.get("add_generation_prompt").getAsBoolean());
                assertThat(rendered).isEqualTo(c.get("rendered").getAsString());
                int[] ids = tok.encode(rendered, false);
                assertThat(ids).containsExactly(TokenizerTest.ints(c.getAsJsonArray("ids")));
            }
        }
    }

    @Test
    void raiseExceptionSurfacesTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.load(TestData.hf("tokenizer"));
        assertThatThrownBy(() -> t.render(List.of(new ChatMessage("tool", "x")), true))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("Unknown role: tool");
    }

    @Test
    void modelWithoutTemplateFallsBackToChatMl(@TempDir Path tmp) {
        ChatTemplate t = ChatTemplate.load(tmp);
        assertThat(t.isFallback()).isTrue();
        assertThat(t.render(List.of(new ChatMessage("user", "hi")), true))
                .isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void chatTemplateJinjaFileAndNamedListsAreFound(@TempDir Path tmp) throws IOException {
        Files.writeString(
                tmp.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"<B>\"},"
                        + " \"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
                        + " {\"name\": \"default\", \"template\": \"{{ bos_token }}D{{ messages|length }}\"}]}");
        ChatTemplate named = ChatTemplate.load(tmp);
        assertThat(named.source()).contains("[default]");
        assertThat(named.render(List.of(new ChatMessage("user", "x")), false)).isEqualTo("<B>D1");
        Files.writeString(tmp.resolve("chat_template.jinja"), "J{{ messages[0].content }}");
        assertThat(ChatTemplate.load(tmp).render(List.of(new ChatMessage("user", "x")), false))
                .isEqualTo("Jx");
    }

    @Test
    void pythonStringMethodsAndIdiomsOfRealTemplatesWork() {
        String template = "{%- set ns = namespace(sys=false) -%}"
                + "{%- for m in messages -%}"
                + "{%- if m.role == 'system' %}{% set ns.sys = true %}{% endif -%}"
                + "{{ m.content.strip().upper() }}|{{ m.content.startswith('  he') }}|{{ m.content.endswith(('x','o  ')) }}|"
                + "{{ m.content.rstrip(' o') }}|{{ m.content.split('l')[0] }}|{{ m.content.lstrip() }}|"
                + "{{ loop.index0 }}{% if not loop.last %};{% endif %}"
                + "{%- endfor -%}"
                + "|{{ ns.sys }}|{{ (messages[::-1])[0].role }}|{{ messages[1:]|length }}|{{ messages[0] | tojson }}";
        ChatTemplate t = ChatTemplate.of(template, Map.of());
        String out =
                t.render(List.of(new ChatMessage("system", "  hello  "), new ChatMessage("user", "ü \"q\"")), false);
        assertThat(out)
                .isEqualTo("HELLO|true|true|  hell|  he|hello  |0;Ü \"Q\"|false|false|ü \"q\"|ü \"q\"|ü \"q\"|1"
                        + "|true|user|1|{\"role\": \"system\", \"content\": \"  hello  \"}");
    }

    @Test
    void sandboxRefusesJavaMethodCallsAndFileAccess() {
        List<ChatMessage> m = List.of(new ChatMessage("user", "x"));
        assertThatThrownBy(() -> ChatTemplate.of("{{ ''.getClass().forName('java.lang.Runtime') }}", Map.of())
                        .render(m, false))
                .isInstanceOf(RasdException.class);
        assertThatThrownBy(() ->
                        ChatTemplate.of("{{ messages.getClass() }}", Map.of()).render(m, false))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("getClass");
        assertThatThrownBy(() ->
                        ChatTemplate.of("{% include '/etc/passwd' %}", Map.of()).render(m, false))
                .isInstanceOf(RasdException.class);
        assertThatThrownBy(() -> ChatTemplate.of("{% import '/etc/hosts' as h %}x", Map.of())
                        .render(m, false))
                .isInstanceOf(RasdException.class);
    }

    @Test
    void hostileTemplatesEndInAnErrorNotAHangOrACrash() {
        List<ChatMessage> m = List.of(new ChatMessage("user", "x"));
        assertThatThrownBy(() -> ChatTemplate.of(
                                "{% for i in range(10000) %}{% for k in range(10000) %}"
                                        + "{{ 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }}{% endfor %}{% endfor %}",
                                Map.of())
                        .render(m, false))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("output");
        assertThatThrownBy(() -> ChatTemplate.of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Map.of())
                        .render(m, false))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("recursion");
        assertThatThrownBy(() -> ChatTemplate.of("{% for x in %}", Map.of()).render(m, false))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("inline template");
    }
    // the sandbox's gaps found with hostile templates and ChatTemplateFuzzTest, each closed in TemplateSandbox,
    // PythonStringMethods or ChatTemplate

    private static String render(String template) {
        return ChatTemplate.of(template, Map.of()).render(List.of(new ChatMessage("user", "hello")), false);
    }

    @Test
    void javaGettersAndMethodsOfEngineObjectsAreNotReachable() {
        // an attribute of a string was a Java getter: content.bytes ran String.getBytes()
        assertThat(render("[{{ messages[0].content.bytes }}{{ ''.blank }}{{ (1).class }}]"))
                .isEqualTo("[]");
        // the interpreter Jinjava passes to filters is a variable templates can name
        assertThatThrownBy(() -> render("{{ ____int3rpr3t3r____.config }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("read attribute \"config\" of JinjavaInterpreter");
        // every method of Jinjava's own objects was callable: loop.next() advanced the loop by hand
        assertThatThrownBy(() -> render("{% for m in messages %}{{ loop.next() }}{% endfor %}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("\"next\" on ForLoop");
        assertThatThrownBy(() -> render("{{ filter:lower.getName() }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("getName");
        assertThat(render("{% for m in messages %}{{ loop.cycle('a', 'b') }}{{ loop.index }}{% endfor %}"))
                .isEqualTo("a1");
    }

    @Test
    void filtersFunctionsAndTagsBeyondWhatHfTemplatesUseAreDisabled() {
        for (String t : new String[] {
            "{{ '{{ 7*7 }}'|render }}",
            "{{ 'a: 1'|fromyaml }}",
            "{{ messages|toyaml }}",
            "{{ messages|pprint }}",
            "{{ today() }}",
            "{{ unixtimestamp() }}",
            "{{ 'x'|center(2000000000) }}",
            "{{ [1]|batch(100000000, 'x')|list }}",
            "{{ 'aaaa!'|regex_replace('(a+)+$', 'x') }}",
            "{% extends 'base.html' %}",
            "{% from 'macros.j2' import m %}",
            "{% include '/etc/passwd' %}"
        }) {
            assertThatThrownBy(() -> render(t))
                    .as(t)
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("disabled");
        }
    }

    @Test
    void sizeArgumentsAreRefusedBeforeTheyAllocate() {
        // each of these ran the JVM out of memory
        assertThatThrownBy(() -> render("{{ '%2000000000d'|format(1) }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("2000000000");
        assertThatThrownBy(() -> render("{{ messages|tojson(100000000) }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("indent");
        assertThatThrownBy(() -> render("{{ 'a\nb'|indent(200000000, true) }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("200000000");
        for (String doubling : new String[] {
            "ns.s.replace('a', 'aa').replace('b', 'bb')",
            "'%s%s'|format(ns.s, ns.s)",
            "ns.s|replace('a', ns.s)",
            "ns.s.join([ns.s, ns.s, ns.s])"
        }) {
            assertThatThrownBy(() -> render("{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
                            + "{% set ns.s = " + doubling + " %}{% endfor %}{{ ns.s|length }}"))
                    .as(doubling)
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("characters");
        }
        assertThat(render("{{ '%s-%05d'|format('x', 42) }}|{{ 'a\nb'|indent(2) }}|{{ 'a-b'.replace('-', '+') }}"
                        + "|{{ '%d tokens'|format(123456789012) }}"))
                .isEqualTo("x-00042|a\n  b|a+b|123456789012 tokens");
    }

    @Test
    void valuesSharedExponentiallyOrWithThemselvesAreRefused() {
        // 2^40 elements out of 80 lists: comparing them never ended, not even after the render timed out
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> render("{% set ns = namespace(s=[1], t=[1]) %}{% for i in range(40) %}"
                        + "{% set ns.s = [ns.s, ns.s] %}{% set ns.t = [ns.t, ns.t] %}{% endfor %}{{ ns.s == ns.t }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("more than 100000 elements");
        assertThat(System.nanoTime() - t0).isLessThan(ChatTemplate.RENDER_TIMEOUT_MS * 1_000_000L);
        // a dict holding itself overflowed the stack when printed
        assertThatThrownBy(() -> render("{% set d = {} %}{% do d.update({'a': d}) %}{{ d }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("contains itself");
    }

    @Test
    void aRenderThatAllocatesTooMuchIsStopped() {
        // every value and string stays under its cap, but a new 512 KiB string per step filled the heap
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> render("{% set ns = namespace(big='x') %}{% for i in range(19) %}"
                        + "{% set ns.big = ns.big ~ ns.big %}{% endfor %}{% set l = [] %}{% for i in range(10000) %}"
                        + "{% do l.append(ns.big ~ i) %}{% endfor %}{{ l|length }}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("allocated more than 256 MiB");
        assertThat(System.nanoTime() - t0).isLessThan(ChatTemplate.RENDER_TIMEOUT_MS * 1_000_000L);
    }

    @Test
    void tojsonSerialisesTemplateDataOnly() {
        assertThat(render("{{ {'a': [1, none, true, 'x\"y'], 'b': {}, 'c': []}|tojson }}"))
                .isEqualTo("{\"a\": [1, null, true, \"x\\\"y\"], \"b\": {}, \"c\": []}");
        assertThat(render("{{ {'a': [1]}|tojson(indent=2) }}")).isEqualTo("{\n  \"a\": [\n    1\n  ]\n}");
        // through Gson's reflection it serialised any Java object's fields
        assertThatThrownBy(() -> render("{% for m in messages %}{{ loop|tojson }}{% endfor %}"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("not JSON serializable");
    }

    @Test
    void aRenderThatTimesOutStopsAtOnce() {
        ChatTemplate t = ChatTemplate.of(
                        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}" + "{% endfor %}", Map.of())
                .withRenderTimeout(200);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> t.render(List.of(), false))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("did not finish rendering within 200 ms");
        // Jinjava's interrupt check raised a template error per node, which its loops recorded and went on from
        assertThat(t.isGivenUp()).isFalse();
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(200 + ChatTemplate.STOP_GRACE_MS);
    }

    @Test
    void aTemplateWhoseRenderDoesNotStopIsNotRenderedAgain() {
        // no grace at all: the interrupted render cannot have unwound when it is looked at
        ChatTemplate t = ChatTemplate.of(
                        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}" + "{% endfor %}", Map.of())
                .withRenderTimeout(100)
                .withStopGrace(0);
        assertThatThrownBy(() -> t.render(List.of(), false)).hasMessageContaining("did not finish");
        assertThat(t.isGivenUp()).isTrue();
        assertThatThrownBy(() -> t.render(List.of(), false))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("not rendered any more");
    }

    @Test
    void idiomsOfRealTemplatesStillRenderInTheSandbox() {
        List<ChatMessage> chat = List.of(
                new ChatMessage("user", "Hi"),
                new ChatMessage("assistant", "<think>hm</think>\n\nHello"),
                new ChatMessage("user", "Bye"));
        for (String template : ChatTemplateFuzzTest.REAL) {
            String out = ChatTemplate.of(template, Map.of("bos_token", "<s>", "eos_token", "</s>"))
                    .render(chat, true);
            assertThat(out).as(template).contains("Bye");
        }
        assertThat(ChatTemplate.of(ChatTemplateFuzzTest.TOOLS, Map.of()).render(chat, false))
                .startsWith("user, assistant|0|false") // Jinjava prints booleans in lower case
                .contains("a=[1, 2];b=1;")
                .contains("role:4")
                .contains("odd1even4odd1")
                .contains("x-00042a\n  b[{\"role\": \"user\", \"content\": \"Hi\"}");
    }

    @Test
    void anErrorNamesTheTemplateFileAndTheLine(@TempDir Path tmp) throws IOException {
        List<ChatMessage> m = List.of(ChatMessage.user("x"));
        Files.writeString(
                tmp.resolve("chat_template.jinja"),
                "{{ bos_token }}\n{% for m in messages %}\n{{ m.content + }}\n{% endfor %}");
        assertThatThrownBy(() -> ChatTemplate.load(tmp).render(m, true))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(tmp.resolve("chat_template.jinja").toString())
                .hasMessageContaining("line 3");
        Files.writeString(
                tmp.resolve("chat_template.jinja"),
                "{%- if messages[0].role == 'user' %}\n    {{- raise_exception('no users here') }}\n{%- endif %}");
        assertThatThrownBy(() -> ChatTemplate.load(tmp).render(m, true))
                .hasMessageContaining("chat_template.jinja failed at line 2: no users here");
        // a template that does not parse at all
        Files.writeString(tmp.resolve("chat_template.jinja"), "ok\n\n{% if %}\n{% endif %}");
        assertThatThrownBy(() -> ChatTemplate.load(tmp).render(m, true))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("chat_template.jinja failed at line 3");
    }

    @Test
    void toolCallsToolResultsToolsAndExtraVariablesReachTheTemplate() {
        String template = "{%- for m in messages %}{{ m.role }}:{{ m.content }}"
                + "{%- if m.tool_calls %}{% for c in m.tool_calls %}[{{ c.id }} {{ c.function.name }}"
                + " {{ c.function.arguments|tojson }}]{% endfor %}{% endif %}"
                + "{%- if m.tool_call_id is defined %}({{ m.tool_call_id }} {{ m.name }}){% endif %}|{% endfor %}"
                + "{{ tools|length }} {{ tools[0].function.name }} {{ documents[0].title }} {{ enable_thinking }}";
        ChatTemplateRequest r = ChatTemplateRequest.of(
                        List.of(
                                ChatMessage.user("weather?"),
                                ChatMessage.assistantToolCalls(
                                        "",
                                        List.of(ToolCall.parsingArguments(
                                                "abc123XYZ",
                                                "get_weather",
                                                "{\"city\": \"Paris\", \"days\": 2, \"f\": 0.5}"))),
                                ChatMessage.toolResult("abc123XYZ", "get_weather", "18C")),
                        true)
                .withTools(List.of(Map.of("type", "function", "function", Map.of("name", "get_weather"))))
                .withDocuments(List.of(Map.of("title", "Doc", "text", "body")))
                .with("enable_thinking", false);
        assertThat(ChatTemplate.of(template, Map.of()).render(r))
                .isEqualTo("user:weather?|assistant:[abc123XYZ get_weather {\"city\": \"Paris\", \"days\": 2,"
                        + " \"f\": 0.5}]|tool:18C(abc123XYZ get_weather)|1 get_weather Doc false");
    }
}
