package io.rasd.text.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.testing.TestData;
import io.rasd.text.ChatMessage;
import io.rasd.text.ChatTemplate;
import io.rasd.text.ChatTemplateRequest;
import io.rasd.text.ToolCall;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The format is read from the real templates, and a call rendered by a family's template (as the assistant's earlier
 * turn) parses back to the same call: the model is shown the convention the parser reads.
 */
class ToolCallFormatTest {

    static String template(String file) throws IOException {
        return Files.readString(TestData.root().resolve("chat-templates").resolve(file));
    }

    static ChatTemplate chatTemplate(String file) throws IOException {
        return ChatTemplate.of(template(file), Map.of("bos_token", "<s>", "eos_token", "</s>"));
    }

    @Test
    void eachFamilysTemplateShowsItsFormat() throws IOException {
        for (String f : List.of("qwen2.5-instruct.jinja", "qwen3.jinja")) {
            assertThat(ToolCallFormat.detect(template(f))).as(f).contains(ToolCallFormat.HERMES);
        }
        for (String f : List.of("llama-3.1-instruct.jinja", "llama-3.2-instruct.jinja", "llama-3.3-instruct.jinja")) {
            assertThat(ToolCallFormat.detect(template(f))).as(f).contains(ToolCallFormat.LLAMA3_JSON);
        }
        assertThat(ToolCallFormat.detect(template("mistral-nemo-instruct-2407.jinja")))
                .contains(ToolCallFormat.MISTRAL);
        assertThat(ToolCallFormat.detect(ChatTemplate.CHATML)).isEqualTo(Optional.empty());
    }

    @Test
    void templatesWithoutToolsAreRefusedNamingModelAndTemplate() throws IOException {
        for (String f :
                List.of("deepseek-r1-distill-qwen.jinja", "phi-3.5-mini-instruct.jinja", "smollm2-instruct.jinja")) {
            ChatTemplate t = chatTemplate(f);
            assertThat(t.readsTools()).as(f).isFalse();
            assertThatThrownBy(() -> ToolCallFormat.resolve(t, ToolCallFormat.HERMES, "my-model"))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("my-model")
                    .hasMessageContaining("inline template")
                    .hasMessageContaining("does not support tools");
        }
    }

    @Test
    void aTemplateThatRendersToolsInAnUnknownWayNeedsTheFormatSet() {
        ChatTemplate t = ChatTemplate.of("{{ tools | tojson }}{{ messages[0].content }}", Map.of());
        assertThatThrownBy(() -> ToolCallFormat.resolve(t, null, "m"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("set the tool-call format explicitly");
        assertThat(ToolCallFormat.resolve(t, ToolCallFormat.MISTRAL, "m")).isEqualTo(ToolCallFormat.MISTRAL);
    }

    @Test
    void aCallEachTemplateRendersParsesBackToTheSameCall() throws IOException {
        // content "" rather than None: Qwen3's template tests '</think>' in message.content, a TypeError on None
        ToolCall call = new ToolCall("abcDEF123", "get_weather", Map.of("city", "Paris"));
        record Family(String file, String before, String after) {}
        for (Family f : List.of(
                new Family("qwen2.5-instruct.jinja", "<|im_start|>assistant\n", "<|im_end|>"),
                new Family("qwen3.jinja", "<|im_start|>assistant\n", "<|im_end|>"),
                new Family(
                        "llama-3.1-instruct.jinja", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"),
                new Family(
                        "llama-3.2-instruct.jinja", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"),
                new Family("mistral-nemo-instruct-2407.jinja", "[/INST]", "</s>"))) {
            ChatTemplate t = chatTemplate(f.file());
            String rendered = t.render(new ChatTemplateRequest(
                    List.of(ChatMessage.user("Weather in Paris?"), ChatMessage.assistantToolCalls("", List.of(call))),
                    null,
                    null,
                    false,
                    Map.of()));
            int from = rendered.lastIndexOf(f.before()) + f.before().length();
            String answer = rendered.substring(from, rendered.indexOf(f.after(), from));
            ToolCallFormat format = ToolCallFormat.detect(t.text()).orElseThrow();
            ModelReply reply = ToolCallStream.parse(format, answer, () -> call.id());
            assertThat(reply.toolCalls()).as(f.file() + ": " + answer).containsExactly(call);
            // Qwen3 writes its (empty) reasoning before the call
            assertThat(reply.text().replace("<think>\n\n</think>", "").strip())
                    .as(f.file())
                    .isEmpty();
        }
    }
}
