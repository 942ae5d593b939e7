package io.rasd.text.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.Fuzz;
import io.rasd.text.ToolCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the tool-call reader with answers made of the pieces models write (markers, call JSON, broken JSON, deep
 * nesting, huge numbers, odd characters) in random order and random splits. Model output is untrusted, and a call
 * that does not parse must come back as text: the reader never throws, every split gives the whole answer's result,
 * the text it shows is the reply's text, and the text plus the calls account for the whole answer.
 */
class ToolCallStreamFuzzTest {

    static final Fuzz FUZZ = new Fuzz("tool calls");
    private static final Duration LIMIT = Duration.ofSeconds(5);

    private static final List<String> PIECES = List.of(
            "<tool_call>",
            "</tool_call>",
            "<tool_",
            "call>",
            "</tool",
            "[TOOL_CALLS]",
            "<|python_tag|>",
            "[",
            "]",
            "{",
            "}",
            "\"",
            "\\",
            ",",
            ":",
            ";",
            " ",
            "\n",
            "\"name\"",
            "\"arguments\"",
            "\"parameters\"",
            "\"get_weather\"",
            "{\"city\": \"Paris\"}",
            "\"{\\\"a\\\": 1}\"",
            "null",
            "1e999",
            "-0",
            "12345678901234567890",
            "'single'",
            "text",
            "é",
            "\uD83D\uDE00",
            "\uD800",
            "\u0000",
            "<think>",
            "</think>",
            "{\"name\": \"f\", \"arguments\": {}}",
            "{\"name\": \"f\", \"parameters\": {\"x\": [1, 2]}}",
            "[{\"name\": \"f\", \"arguments\": {\"x\": true}}]");

    record Input(ToolCallFormat format, String answer, List<String> pieces) {
        @Override
        public String toString() {
            return format + " " + pieces.size() + " pieces: " + answer.replace("\n", "\\n");
        }
    }

    static Input generate(SplittableRandom r) {
        ToolCallFormat format = ToolCallFormat.values()[r.nextInt(ToolCallFormat.values().length)];
        StringBuilder answer = new StringBuilder();
        int n = r.nextInt(24);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(10)) {
                case 0 -> answer.append("[".repeat(r.nextInt(200))); // deep nesting
                case 1 -> answer.append("{\"a\":".repeat(r.nextInt(100)));
                case 2 -> answer.append((char) r.nextInt(0x3000));
                default -> answer.append(PIECES.get(r.nextInt(PIECES.size())));
            }
        }
        String a = answer.toString();
        List<String> pieces = new ArrayList<>();
        int at = 0;
        while (at < a.length()) {
            int len = 1 + r.nextInt(Math.min(12, a.length() - at));
            pieces.add(a.substring(at, at + len));
            at += len;
        }
        return new Input(format, a, pieces);
    }

    @Test
    void anyAnswerInAnySplitGivesTheWholeAnswersReplyAndNeverThrows() {
        Fuzz.forAll(3_000, ToolCallStreamFuzzTest::generate, in -> {
            Fuzz.Outcome<ModelReply> whole =
                    FUZZ.input(LIMIT, () -> ToolCallStream.parse(in.format(), in.answer(), ToolCallStreamTest.ids()));
            assertThat(whole.accepted())
                    .as("never rejects: %s", whole.rejection())
                    .isTrue();
            ModelReply streamed = Fuzz.call(LIMIT, () -> ToolCallStreamTest.streamed(in.format(), in.pieces()))
                    .value();
            assertThat(streamed).isEqualTo(whole.value());
            ModelReply reply = whole.value();
            if (!reply.hasToolCalls()) {
                assertThat(reply.text()).isEqualTo(in.answer());
            }
            for (ToolCall c : reply.toolCalls()) {
                assertThat(c.name()).isNotBlank();
                assertThat(c.argumentsJson()).startsWith("{");
            }
            // nothing is invented: the text is the answer with parts (the calls and whitespace) taken out
            assertThat(isSubsequence(reply.text(), in.answer())).isTrue();
        });
    }

    @Test
    void aWellFormedCallInRandomTextIsAlwaysFound() {
        Fuzz.forAll(
                2_000,
                r -> {
                    StringBuilder text = new StringBuilder();
                    int n = r.nextInt(20);
                    for (int i = 0; i < n; i++) {
                        text.append((char) (' ' + r.nextInt(95))); // printable ASCII: no marker can form from one char
                    }
                    String before = text.toString().replace("<", "(").replace("[", "(");
                    return new Input(
                            ToolCallFormat.HERMES,
                            before + "<tool_call>{\"name\": \"f\", \"arguments\": {\"q\": \""
                                    + before.replace("\\", "").replace("\"", "") + "\"}}</tool_call>",
                            List.of());
                },
                in -> {
                    ModelReply reply = ToolCallStream.parse(in.format(), in.answer(), () -> "id0000000");
                    assertThat(reply.toolCalls()).hasSize(1);
                    assertThat(reply.toolCalls().get(0).name()).isEqualTo("f");
                });
    }

    private static boolean isSubsequence(String part, String whole) {
        int j = 0;
        for (int i = 0; i < whole.length() && j < part.length(); i++) {
            if (whole.charAt(i) == part.charAt(j)) {
                j++;
            }
        }
        return j == part.length();
    }

    @AfterAll
    static void summary() throws Exception {
        FUZZ.finish();
    }
}
