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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChatPromptEncoderTest {

    private static final Path DIR = TestData.hf("tokenizer");
    private static Tokenizer tokenizer;
    private static ChatTemplate template;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(DIR);
        template = ChatTemplate.load(DIR);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static ChatPromptEncoder encoder(int contextLimit) {
        return new ChatPromptEncoder(template, tokenizer, contextLimit, "tiny");
    }

    private static ChatMessage user(String text) {
        return new ChatMessage("user", text);
    }

    @Test
    void toolCallsAndResultsAreRefusedByATemplateThatWouldDropThem() {
        ChatPromptEncoder chatMl = new ChatPromptEncoder(
                ChatTemplate.of(ChatTemplate.CHATML, java.util.Map.of()), tokenizer, 4096, "tiny");
        List<ChatMessage> withResult = List.of(
                user("Weather?"),
                ChatMessage.assistantToolCalls("", List.of(new ToolCall("abcdefghi", "weather", java.util.Map.of()))),
                ChatMessage.toolResult("abcdefghi", "weather", "sunny"));
        assertThatThrownBy(() -> chatMl.encode(withResult))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("tiny")
                .hasMessageContaining("does not render tool calls or tool results");
        ChatPromptEncoder rendersTools = new ChatPromptEncoder(
                ChatTemplate.of(
                        "{% for m in messages %}{{ m.role }}{{ m.tool_calls|length }}{% endfor %}", java.util.Map.of()),
                tokenizer,
                4096,
                "tiny");
        assertThat(rendersTools.encode(withResult).tokens()).isNotEmpty();
    }

    @Test
    void encodesLikeApplyChatTemplateWithTheGenerationPrompt() throws IOException {
        int checked = 0;
        for (JsonElement e : JsonParser.parseString(Files.readString(DIR.resolve("chat_golden.json")))
                .getAsJsonArray()) {
            JsonObject c = e.getAsJsonObject();
            if (!c.get("add_generation_prompt").getAsBoolean()) {
                continue;
            }
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonElement m : c.getAsJsonArray("messages")) {
                messages.add(new ChatMessage(
                        m.getAsJsonObject().get("role").getAsString(),
                        m.getAsJsonObject().get("content").getAsString()));
            }
            ChatPromptEncoder.Prompt p = encoder(4096).encode(messages);
            int[] expected = TokenizerTest.ints(c.getAsJsonArray("ids"));
            assertThat(p.tokens()).containsExactly(expected);
            assertThat(p.room()).isEqualTo(4096 - expected.length);
            checked++;
        }
        assertThat(checked).isPositive();
    }

    @Test
    void aConversationWithoutMessagesIsRefused() {
        assertThatThrownBy(() -> encoder(4096).encode(List.of()))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("no messages");
        assertThatThrownBy(() -> encoder(4096).encode((List<ChatMessage>) null))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("no messages");
    }

    @Test
    void anEmptyOrWhitespaceUserMessageIsRefusedNamingIt() {
        assertThatThrownBy(() -> encoder(4096).encode(List.of(user(""))))
                .isInstanceOf(RasdException.class)
                .hasMessage("messages[0] (user) is empty; a user message needs text");
        assertThatThrownBy(() -> encoder(4096)
                        .encode(List.of(
                                new ChatMessage("system", "Be brief."),
                                user("Hi"),
                                new ChatMessage("assistant", "Hello."),
                                user(" \n\t "))))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("messages[3] (user) is whitespace only");
        // an earlier blank user turn is refused too, not only the last one
        assertThatThrownBy(
                        () -> encoder(4096).encode(List.of(user(" "), new ChatMessage("assistant", "?"), user("Hi"))))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("messages[0] (user)");
    }

    @Test
    void blankSystemAndAssistantMessagesAreAllowed() {
        ChatPromptEncoder.Prompt p = encoder(4096)
                .encode(List.of(
                        new ChatMessage("system", ""), user("Hi"), new ChatMessage("assistant", ""), user("And?")));
        assertThat(p.tokens()).isNotEmpty();
    }

    @Test
    void aConversationTheTemplateRejectsNamesTheModelAndTheTemplatesReason() {
        assertThatThrownBy(() -> encoder(4096).encode(List.of(new ChatMessage("tool", "x"))))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("chat template of tiny")
                .hasMessageContaining("Unknown role: tool");
    }

    @Test
    void aPromptMustLeaveAtLeastOneTokenForTheAnswer() {
        List<ChatMessage> hi = List.of(user("Hi there"));
        int length = encoder(4096).encode(hi).tokens().length;
        assertThat(encoder(length + 1).encode(hi).room()).isEqualTo(1);
        assertThatThrownBy(() -> encoder(length).encode(hi))
                .isInstanceOf(RasdException.class)
                .hasMessage("The conversation is " + length + " tokens after the chat template, but the context window"
                        + " of tiny is " + length + " tokens (at least one must be left for the answer); shorten the"
                        + " messages or use a smaller chat memory");
    }

    @Test
    void aContextLimitBelowOneIsAProgrammingError() {
        assertThatThrownBy(() -> encoder(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contextLimit");
    }
}
