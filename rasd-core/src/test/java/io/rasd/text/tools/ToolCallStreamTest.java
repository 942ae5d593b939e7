package io.rasd.text.tools;

import static io.rasd.text.tools.ToolCallFormat.HERMES;
import static io.rasd.text.tools.ToolCallFormat.LLAMA3_JSON;
import static io.rasd.text.tools.ToolCallFormat.MISTRAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.text.ToolCall;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Hand-written answers of each family, well-formed and not, read whole and streamed in every split. */
class ToolCallStreamTest {

    static final String QWEN_CALL =
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>";
    static final String LLAMA_CALL = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}";
    static final String MISTRAL_CALL =
            "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}]";

    /** Every answer below, with the format to read it in: the split-invariance test streams all of them. */
    static final List<Case> CASES = List.of(
            new Case(HERMES, QWEN_CALL),
            new Case(HERMES, "Let me check.\n\n" + QWEN_CALL),
            new Case(HERMES, QWEN_CALL + "\n" + QWEN_CALL.replace("Paris", "Rome")),
            new Case(HERMES, "<think>\nThe user wants weather.\n</think>\n\n" + QWEN_CALL),
            new Case(HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>"),
            new Case(HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"),
            new Case(HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"argu"),
            new Case(HERMES, "A <tool_call without an end, and a < sign"),
            new Case(HERMES, "Plain text.  \n"),
            new Case(LLAMA3_JSON, LLAMA_CALL),
            new Case(LLAMA3_JSON, "<|python_tag|>" + LLAMA_CALL),
            new Case(LLAMA3_JSON, "  " + LLAMA_CALL + "; " + LLAMA_CALL.replace("Paris", "Rome")),
            new Case(LLAMA3_JSON, "{\"name\": \"Ada\", \"age\": 36}"),
            new Case(LLAMA3_JSON, "{\"answer\": 42}"),
            new Case(LLAMA3_JSON, "{\"name\": \"get_weather\", \"parameters\": {'city': 'Paris'}}"),
            new Case(LLAMA3_JSON, "The weather in Paris is sunny."),
            new Case(MISTRAL, MISTRAL_CALL),
            new Case(MISTRAL, MISTRAL_CALL.substring("[TOOL_CALLS]".length())),
            new Case(MISTRAL, "[1, 2, 3]"),
            new Case(MISTRAL, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}"),
            new Case(MISTRAL, "It is [sunny] today."));

    record Case(ToolCallFormat format, String answer) {}

    static Supplier<String> ids() {
        AtomicInteger n = new AtomicInteger();
        return () -> "call" + n.incrementAndGet() + "abcd";
    }

    private static ModelReply parse(ToolCallFormat format, String answer) {
        return ToolCallStream.parse(format, answer, ids());
    }

    private static final Map<String, Object> PARIS = Map.of("city", "Paris", "days", 3L);

    @Test
    void qwenCallBecomesACallWithNoText() {
        ModelReply r = parse(HERMES, QWEN_CALL);
        assertThat(r.text()).isEmpty();
        assertThat(r.toolCalls()).containsExactly(new ToolCall("call1abcd", "get_weather", PARIS));
        assertThat(r.toolCalls().get(0).argumentsJson()).isEqualTo("{\"city\":\"Paris\",\"days\":3}");
    }

    @Test
    void textBeforeAHermesCallStaysTextWithoutTheWhitespaceBeforeTheCall() {
        ModelReply r = parse(HERMES, "Let me check.\n\n" + QWEN_CALL);
        assertThat(r.text()).isEqualTo("Let me check.");
        assertThat(r.toolCalls()).hasSize(1);
    }

    @Test
    void parallelHermesCallsKeepTheirOrderAndGetTheirOwnIds() {
        ModelReply r = parse(HERMES, QWEN_CALL + "\n" + QWEN_CALL.replace("Paris", "Rome"));
        assertThat(r.text()).isEmpty();
        assertThat(r.toolCalls())
                .extracting(c -> (Object) ((Map<?, ?>) c.arguments()).get("city"))
                .containsExactly("Paris", "Rome");
        assertThat(r.toolCalls()).extracting(ToolCall::id).containsExactly("call1abcd", "call2abcd");
    }

    @Test
    void hermesArgumentsWrittenAsAJsonStringAreParsed() {
        ModelReply r = parse(
                HERMES,
                "<tool_call>{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}</tool_call>");
        assertThat(r.toolCalls().get(0).arguments()).isEqualTo(Map.of("city", "Paris"));
    }

    @Test
    void aHermesCallWithoutArgumentsHasEmptyArguments() {
        ModelReply r = parse(HERMES, "<tool_call>{\"name\": \"now\"}</tool_call>");
        assertThat(r.toolCalls()).containsExactly(new ToolCall("call1abcd", "now", Map.of()));
    }

    @Test
    void malformedHermesCallIsReturnedAsTextInPlace() {
        String bad = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>";
        ModelReply r = parse(HERMES, "Checking. " + bad + " Done.");
        assertThat(r.toolCalls()).isEmpty();
        assertThat(r.text()).isEqualTo("Checking. " + bad + " Done.");
    }

    @Test
    void aMalformedCallBesideAGoodOneLeavesTheGoodOne() {
        String bad = "<tool_call>{\"arguments\": {}}</tool_call>";
        ModelReply r = parse(HERMES, bad + QWEN_CALL);
        assertThat(r.text()).isEqualTo(bad);
        assertThat(r.toolCalls()).hasSize(1);
    }

    @Test
    void aHermesBlockCutOffAfterCompleteJsonIsStillACall() {
        ModelReply r =
                parse(HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n");
        assertThat(r.toolCalls()).hasSize(1);
        assertThat(r.text()).isEmpty();
    }

    @Test
    void aHermesBlockCutOffInsideTheJsonIsText() {
        String cut = "Sure: <tool_call>\n{\"name\": \"get_weather\", \"argu";
        assertThat(parse(HERMES, cut)).isEqualTo(new ModelReply(cut, List.of()));
    }

    @Test
    void llamaJsonAnswerIsACall() {
        ModelReply r = parse(LLAMA3_JSON, LLAMA_CALL);
        assertThat(r.text()).isEmpty();
        assertThat(r.toolCalls()).containsExactly(new ToolCall("call1abcd", "get_weather", PARIS));
    }

    @Test
    void llamaPythonTagAndSemicolonSeparatedCallsAreRead() {
        assertThat(parse(LLAMA3_JSON, "<|python_tag|>" + LLAMA_CALL).toolCalls())
                .hasSize(1);
        ModelReply two = parse(LLAMA3_JSON, LLAMA_CALL + "; " + LLAMA_CALL.replace("Paris", "Rome"));
        assertThat(two.toolCalls()).hasSize(2);
        assertThat(two.text()).isEmpty();
    }

    @Test
    void llamaOpenAiStyleNestedCallIsRead() {
        ModelReply r =
                parse(LLAMA3_JSON, "{\"type\": \"function\", \"function\": {\"name\": \"now\", \"parameters\": {}}}");
        assertThat(r.toolCalls()).containsExactly(new ToolCall("call1abcd", "now", Map.of()));
    }

    @Test
    void aJsonAnswerWithANameButNoParametersIsNotACall() {
        String answer = "{\"name\": \"Ada\", \"age\": 36}";
        assertThat(parse(LLAMA3_JSON, answer)).isEqualTo(new ModelReply(answer, List.of()));
    }

    @Test
    void pythonDictArgumentsAreNotJsonAndStayText() {
        String answer = "{\"name\": \"get_weather\", \"parameters\": {'city': 'Paris'}}";
        assertThat(parse(LLAMA3_JSON, answer)).isEqualTo(new ModelReply(answer, List.of()));
    }

    @Test
    void mistralCallsAreReadWithOrWithoutTheirSpecialTokenMarker() {
        ModelReply marked = parse(MISTRAL, MISTRAL_CALL);
        assertThat(marked.text()).isEmpty();
        assertThat(marked.toolCalls()).containsExactly(new ToolCall("call1abcd", "get_weather", PARIS));
        // the engine skips special tokens, so [TOOL_CALLS] itself never reaches the text
        ModelReply bare = parse(MISTRAL, " " + MISTRAL_CALL.substring("[TOOL_CALLS]".length()));
        assertThat(bare.toolCalls()).isEqualTo(marked.toolCalls());
    }

    @Test
    void mistralArrayThatIsNotCallsIsText() {
        assertThat(parse(MISTRAL, "[1, 2, 3]")).isEqualTo(new ModelReply("[1, 2, 3]", List.of()));
        String cut = "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}";
        assertThat(parse(MISTRAL, cut)).isEqualTo(new ModelReply(cut, List.of()));
    }

    @Test
    void plainTextPassesThroughEveryFormatUnchanged() {
        for (ToolCallFormat f : ToolCallFormat.values()) {
            for (String text :
                    List.of("", "Hello.", "  leading and trailing  \n", "a < b, [x] {y}", "{\"answer\": 1}")) {
                assertThat(parse(f, text)).as(f + ": " + text).isEqualTo(new ModelReply(text, List.of()));
            }
        }
    }

    @Test
    void streamingShowsTheTextBeforeACallBeforeTheCallEnds() {
        ToolCallStream s = new ToolCallStream(HERMES, ids());
        assertThat(s.push("Let me")).isEqualTo("Let me");
        assertThat(s.push(" check.\n<tool_")).isEqualTo(" check.");
        assertThat(s.push("call>\n{\"name\": \"get_weather\", ")).isEmpty();
        assertThat(s.push("\"arguments\": {}}\n</tool_call>")).isEmpty();
        assertThat(s.finish()).isEmpty();
        assertThat(s.reply().text()).isEqualTo("Let me check.");
        assertThat(s.reply().toolCalls()).hasSize(1);
    }

    @Test
    void streamingAJsonAnswerThatIsNotACallShowsItOnceItsFirstKeyTellsSo() {
        ToolCallStream s = new ToolCallStream(LLAMA3_JSON, ids());
        assertThat(s.push("{\"na")).isEmpty();
        assertThat(s.push("me\": \"Ada\"")).isEmpty(); // could still be a call: held to the end
        s = new ToolCallStream(LLAMA3_JSON, ids());
        assertThat(s.push("{\"ans")).isEqualTo("{\"ans");
    }

    @Test
    void everySplitOfEveryAnswerGivesTheWholeAnswersResult() {
        for (Case c : CASES) {
            ModelReply whole = parse(c.format(), c.answer());
            for (int i = 0; i <= c.answer().length(); i++) {
                assertThat(streamed(
                                c.format(),
                                List.of(c.answer().substring(0, i), c.answer().substring(i))))
                        .as("%s split at %d: %s", c.format(), i, c.answer())
                        .isEqualTo(whole);
            }
            List<String> chars =
                    c.answer().codePoints().mapToObj(Character::toString).toList();
            assertThat(streamed(c.format(), chars))
                    .as("%s char by char: %s", c.format(), c.answer())
                    .isEqualTo(whole);
        }
    }

    /** Streams the pieces; checks that the text shown along the way is the reply's text. */
    static ModelReply streamed(ToolCallFormat format, List<String> pieces) {
        ToolCallStream s = new ToolCallStream(format, ids());
        StringBuilder shown = new StringBuilder();
        pieces.forEach(p -> shown.append(s.push(p)));
        shown.append(s.finish());
        assertThat(shown.toString()).isEqualTo(s.reply().text());
        return s.reply();
    }
}
