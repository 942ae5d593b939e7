package io.rasd.springai;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.engine.Cancellation;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.testing.ScriptedAnswers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * Tool calling through the Spring AI model and ChatClient's tool loop, on scripted answers (the demo models cannot
 * call tools): tool definitions reach the template, calls are parsed into {@link AssistantMessage.ToolCall}s, the
 * advisor runs the tool and sends its result back through the template, streaming included.
 */
class ToolCallingTest {

    static final String QWEN_CALL =
            "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    /** A weather tool that records the arguments it is called with. */
    static final class Weather implements ToolCallback {
        final List<String> inputs = Collections.synchronizedList(new ArrayList<>());

        @Override
        public ToolDefinition getToolDefinition() {
            return ToolDefinition.builder()
                    .name("weather")
                    .description("The weather in a city")
                    .inputSchema("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                            + "\"required\":[\"city\"]}")
                    .build();
        }

        @Override
        public String call(String toolInput) {
            inputs.add(toolInput);
            return "sunny, 24 C";
        }
    }

    private static RasdSpringAiChatModel scripted(ScriptedAnswers script, String template) {
        return new RasdSpringAiChatModel(RasdSpringAiChatModel.builder()
                .engine(DemoModels.ENGINE)
                .chatTemplate(ScriptedAnswers.template(template))) {
            @Override
            protected GenerationResult generate(GenerationRequest r, GenerationListener l, Cancellation c) {
                return script.answer(r, l);
            }
        };
    }

    private static ScriptedAnswers script(String... answers) {
        return new ScriptedAnswers(DemoModels.TOKENIZER).then(answers);
    }

    @Test
    void toolDefinitionsReachTheTemplateAndACallBecomesAToolCall() {
        ScriptedAnswers script = script("Let me check.\n" + QWEN_CALL);
        ChatResponse r = scripted(script, "qwen2.5-instruct.jinja")
                .call(new Prompt(
                        "Weather in Paris?",
                        ToolCallingChatOptions.builder()
                                .toolCallbacks(new Weather())
                                .build()));

        assertThat(script.prompts.get(0))
                .contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"weather\", \"description\":"
                        + " \"The weather in a city\", \"parameters\": {\"type\": \"object\", \"properties\":"
                        + " {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n</tools>");
        AssistantMessage out = r.getResult().getOutput();
        assertThat(out.getText()).isEqualTo("Let me check.");
        assertThat(out.getToolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("weather");
            assertThat(c.type()).isEqualTo("function");
            assertThat(c.arguments()).isEqualTo("{\"city\":\"Paris\"}");
            assertThat(c.id()).hasSize(9);
        });
        assertThat(r.getResult().getMetadata().getFinishReason()).isEqualTo("TOOL_CALLS");
        assertThat(r.hasToolCalls()).isTrue();
    }

    @Test
    void toolCallsAndResponsesGoBackThroughTheTemplate() {
        ScriptedAnswers script = script("It is sunny.");
        AssistantMessage.ToolCall call =
                new AssistantMessage.ToolCall("abcDEF123", "function", "weather", "{\"city\": \"Paris\"}");
        ChatResponse r = scripted(script, "qwen2.5-instruct.jinja")
                .call(new Prompt(List.of(
                        new UserMessage("Weather in Paris?"),
                        AssistantMessage.builder()
                                .content("")
                                .toolCalls(List.of(call))
                                .build(),
                        ToolResponseMessage.builder()
                                .responses(List.of(
                                        new ToolResponseMessage.ToolResponse("abcDEF123", "weather", "sunny, 24 C")))
                                .build())));

        assertThat(script.prompts.get(0))
                .contains("<|im_start|>assistant\n<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\":"
                        + " \"Paris\"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\nsunny, 24 C\n"
                        + "</tool_response><|im_end|>\n<|im_start|>assistant\n");
        assertThat(r.getResult().getOutput().getText()).isEqualTo("It is sunny.");
        assertThat(r.getResult().getMetadata().getFinishReason()).isEqualTo("STOP");
    }

    @Test
    void aCallThatDoesNotParseIsReturnedAsText() {
        String broken = "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": Paris}}\n</tool_call>";
        ChatResponse r = scripted(script(broken), "qwen2.5-instruct.jinja")
                .call(new Prompt(
                        "Weather in Paris?",
                        ToolCallingChatOptions.builder()
                                .toolCallbacks(new Weather())
                                .build()));
        assertThat(r.getResult().getOutput().getText()).isEqualTo(broken);
        assertThat(r.hasToolCalls()).isFalse();
    }

    @Test
    void chatClientRunsTheToolWithTheParsedArgumentsAndReturnsTheFinalAnswer() {
        ScriptedAnswers script =
                script("{\"name\": \"weather\", \"parameters\": {\"city\": \"Paris\"}}", "It is sunny in Paris, 24 C.");
        Weather weather = new Weather();
        String answer = ChatClient.create(scripted(script, "llama-3.1-instruct.jinja"))
                .prompt()
                .user("Weather in Paris?")
                .tools(weather)
                .call()
                .content();

        assertThat(answer).isEqualTo("It is sunny in Paris, 24 C.");
        assertThat(weather.inputs).containsExactly("{\"city\":\"Paris\"}");
        // Llama 3's template: the call as the assistant's JSON, the result as an ipython turn (tojson'd: in Python a
        // string is iterable, and the template tests `is iterable`)
        assertThat(script.prompts.get(1))
                .contains("{\"name\": \"weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>")
                .contains("<|start_header_id|>ipython<|end_header_id|>\n\n\"sunny, 24 C\"<|eot_id|>");
    }

    @Test
    void aStreamingChatClientRunsTheToolAndStreamsTheFinalAnswer() {
        ScriptedAnswers script = script("Checking.\n" + QWEN_CALL, "It is sunny in Paris.");
        Weather weather = new Weather();
        List<String> chunks = ChatClient.create(scripted(script, "qwen2.5-instruct.jinja"))
                .prompt()
                .user("Weather in Paris?")
                .tools(weather)
                .stream()
                .content()
                .collectList()
                .block(Duration.ofSeconds(60));

        assertThat(weather.inputs).containsExactly("{\"city\":\"Paris\"}");
        assertThat(String.join("", chunks)).endsWith("It is sunny in Paris.");
        assertThat(String.join("", chunks)).doesNotContain("<tool_call>");
    }
}
