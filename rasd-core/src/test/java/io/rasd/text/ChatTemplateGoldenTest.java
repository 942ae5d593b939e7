package io.rasd.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Real chat templates of the families rasd loads render exactly as transformers' apply_chat_template does: every
 * conversation of testdata/chat-templates/goldens.json (made by tools/fixtures/make_template_goldens.py), string for
 * string, and the conversations a template refuses are refused here too.
 */
class ChatTemplateGoldenTest {

    static final Path DIR = TestData.root().resolve("chat-templates");

    static JsonObject goldens() throws IOException {
        return JsonParser.parseString(Files.readString(DIR.resolve("goldens.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    /** The template of {@code family} with its special tokens and transformers' clock at golden time. */
    static ChatTemplate template(JsonObject meta, String family) throws IOException {
        Map<String, String> tokens = new LinkedHashMap<>();
        meta.getAsJsonObject("families")
                .getAsJsonObject(family)
                .getAsJsonObject("special_tokens")
                .entrySet()
                .forEach(e -> tokens.put(e.getKey(), e.getValue().getAsString()));
        Path file = DIR.resolve(family + ".jinja");
        LocalDateTime now = LocalDateTime.parse(meta.get("fixed_now").getAsString());
        return new ChatTemplate(file.toString(), Files.readString(file, StandardCharsets.UTF_8), tokens)
                .withClock(Clock.fixed(now.toInstant(ZoneOffset.UTC), ZoneOffset.UTC));
    }

    static ChatTemplateRequest request(JsonObject golden) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonElement e : golden.getAsJsonArray("messages")) {
            messages.add(message(e.getAsJsonObject()));
        }
        ChatTemplateRequest r = ChatTemplateRequest.of(
                messages, golden.get("add_generation_prompt").getAsBoolean());
        if (golden.has("kwargs")) {
            for (Map.Entry<String, JsonElement> kw :
                    golden.getAsJsonObject("kwargs").entrySet()) {
                Object v = TemplateValues.fromJson(kw.getValue());
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> list = v instanceof List<?> ? (List<Map<String, Object>>) v : null;
                r = switch (kw.getKey()) {
                    case "tools" -> r.withTools(list);
                    case "documents" -> r.withDocuments(list);
                    default -> r.with(kw.getKey(), v);
                };
            }
        }
        return r;
    }

    static ChatMessage message(JsonObject m) {
        String role = m.get("role").getAsString();
        JsonElement c = m.get("content");
        String content = c == null || c.isJsonNull() ? null : c.getAsString();
        List<ToolCall> calls = new ArrayList<>();
        if (m.has("tool_calls")) {
            for (JsonElement e : m.getAsJsonArray("tool_calls")) {
                JsonObject call = e.getAsJsonObject();
                JsonObject f = call.getAsJsonObject("function");
                calls.add(new ToolCall(
                        call.get("id").getAsString(),
                        f.get("name").getAsString(),
                        TemplateValues.fromJson(f.get("arguments"))));
            }
        }
        String id = m.has("tool_call_id") ? m.get("tool_call_id").getAsString() : null;
        String name = m.has("name") ? m.get("name").getAsString() : null;
        return new ChatMessage(role, content, calls, id, name);
    }

    /** With -Drasd.template.dump=DIR, a render that differs is written there (to diff against goldens.json). */
    private static void dump(JsonObject g, String actual) throws IOException {
        String dir = System.getProperty("rasd.template.dump");
        if (dir != null) {
            Path d = Files.createDirectories(Path.of(dir));
            Files.writeString(
                    d.resolve(
                            g.get("family").getAsString() + "__" + g.get("case").getAsString() + ".txt"),
                    actual);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFamilyRendersLikeTransformers() throws IOException {
        JsonObject all = goldens();
        JsonObject meta = all.getAsJsonObject("meta");
        List<DynamicTest> tests = new ArrayList<>();
        Map<String, ChatTemplate> templates = new LinkedHashMap<>();
        for (JsonElement e : all.getAsJsonArray("goldens")) {
            JsonObject g = e.getAsJsonObject();
            String family = g.get("family").getAsString();
            ChatTemplate t = templates.computeIfAbsent(family, f -> {
                try {
                    return template(meta, f);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            tests.add(DynamicTest.dynamicTest(family + " / " + g.get("case").getAsString(), () -> {
                ChatTemplateRequest r = request(g);
                if (g.has("error")) {
                    assertThatThrownBy(() -> t.render(r)).isInstanceOf(RasdException.class);
                } else {
                    String out;
                    try {
                        out = t.render(r);
                    } catch (RuntimeException ex) {
                        dump(g, "ERROR " + ex.getMessage());
                        throw ex;
                    }
                    if (!out.equals(g.get("rendered").getAsString())) {
                        dump(g, out);
                    }
                    assertThat(out).isEqualTo(g.get("rendered").getAsString());
                }
            }));
        }
        return tests.stream();
    }
}
