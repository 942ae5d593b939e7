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
            out.add(new ChatMessage(m.getAsJsonObject().get("role").getAsString(),
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
                String rendered = t.render(messages(c), c.get("add_generation_prompt").getAsBoolean());
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
                .isInstanceOf(RasdException.class).hasMessageContaining("Unknown role: tool");
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
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<B>\"},"
                + " \"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
                + " {\"name\": \"default\", \"template\": \"{{ bos_token }}D{{ messages|length }}\"}]}");
        ChatTemplate named = ChatTemplate.load(tmp);
        assertThat(named.source()).contains("[default]");
        assertThat(named.render(List.of(new ChatMessage("user", "x")), false)).isEqualTo("<B>D1");
        Files.writeString(tmp.resolve("chat_template.jinja"), "J{{ messages[0].content }}");
        assertThat(ChatTemplate.load(tmp).render(List.of(new ChatMessage("user", "x")), false)).isEqualTo("Jx");
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
        String out = t.render(List.of(new ChatMessage("system", "  hello  "), new ChatMessage("user", "ü \"q\"")),
                false);
        assertThat(out).isEqualTo("HELLO|true|true|  hell|  he|hello  |0;Ü \"Q\"|false|false|ü \"q\"|ü \"q\"|ü \"q\"|1"
                + "|true|user|1|{\"role\": \"system\", \"content\": \"  hello  \"}");
    }

    @Test
    void sandboxRefusesJavaMethodCallsAndFileAccess() {
        List<ChatMessage> m = List.of(new ChatMessage("user", "x"));
        assertThatThrownBy(() -> ChatTemplate.of("{{ ''.getClass().forName('java.lang.Runtime') }}", Map.of())
                .render(m, false)).isInstanceOf(RasdException.class);
        assertThatThrownBy(() -> ChatTemplate.of("{{ messages.getClass() }}", Map.of()).render(m, false))
                .isInstanceOf(RasdException.class).hasMessageContaining("getClass");
        assertThatThrownBy(() -> ChatTemplate.of("{% include '/etc/passwd' %}", Map.of()).render(m, false))
                .isInstanceOf(RasdException.class);
        assertThatThrownBy(() -> ChatTemplate.of("{% import '/etc/hosts' as h %}x", Map.of()).render(m, false))
                .isInstanceOf(RasdException.class);
    }

    @Test
    void hostileTemplatesEndInAnErrorNotAHangOrACrash() {
        List<ChatMessage> m = List.of(new ChatMessage("user", "x"));
        assertThatThrownBy(() -> ChatTemplate.of("{% for i in range(10000) %}{% for k in range(10000) %}"
                + "{{ 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }}{% endfor %}{% endfor %}", Map.of())
                .render(m, false)).isInstanceOf(RasdException.class).hasMessageContaining("output");
        assertThatThrownBy(() -> ChatTemplate.of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
                Map.of()).render(m, false)).isInstanceOf(RasdException.class).hasMessageContaining("recursion");
        assertThatThrownBy(() -> ChatTemplate.of("{% for x in %}", Map.of()).render(m, false))
                .isInstanceOf(RasdException.class).hasMessageContaining("inline template");
    }
}
