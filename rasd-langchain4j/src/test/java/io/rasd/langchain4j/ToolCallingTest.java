package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import io.rasd.engine.RasdEngine;
import io.rasd.testing.ScriptedAnswers;
import io.rasd.text.tools.ToolCallFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool calling through both chat models and AiServices, on scripted answers (the demo models cannot call tools): tools
 * reach the template, calls are parsed per family into tool execution requests, streamed text comes before the calls,
 * tool results go back through the template, and a call that does not parse is text.
 */
class ToolCallingTest {

    static final String QWEN_CALL =
            "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    static final ToolSpecification WEATHER = ToolSpecification.builder()
            .name("weather")
            .description("The weather in a city")
            .parameters(JsonObjectSchema.builder()
                    .addStringProperty("city", "the city")
                    .required("city")
                    .build())
            .build();

    private static RasdEngine engine;

    @BeforeAll
    static void setUp() {
        engine = DemoModels.engine();
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    private static RasdChatModel.Builder qwen() {
        return RasdChatModel.builder().chatTemplate(ScriptedAnswers.template("qwen2.5-instruct.jinja"));
    }

    private static ChatRequest weatherRequest() {
        return ChatRequest.builder()
                .messages(UserMessage.from("Weather in Paris?"))
                .toolSpecifications(WEATHER)
                .build();
    }

    @Test
    void toolsReachTheTemplateAsJsonSchemasAndACallBecomesAToolExecutionRequest() {
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer()).then(QWEN_CALL);
        ChatResponse r = ScriptedChatModels.chatModel(engine, script, qwen()).chat(weatherRequest());

        assertThat(script.prompts.get(0))
                .contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"weather\", \"description\":"
                        + " \"The weather in a city\", \"parameters\": {\"type\": \"object\", \"properties\":"
                        + " {\"city\": {\"type\": \"string\", \"description\": \"the city\"}}, \"required\":"
                        + " [\"city\"]}}}\n</tools>");
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(r.aiMessage().text()).isNull();
        ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().get(0);
        assertThat(call.name()).isEqualTo("weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(call.id()).hasSize(9);
    }

    @Test
    void toolCallsAndResultsGoBackThroughTheTemplate() {
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer()).then("It is sunny.");
        ToolExecutionRequest call = ToolExecutionRequest.builder()
                .id("abcDEF123")
                .name("weather")
                .arguments("{\"city\": \"Paris\"}")
                .build();
        ChatResponse r = ScriptedChatModels.chatModel(engine, script, qwen())
                .chat(ChatRequest.builder()
                        .messages(
                                UserMessage.from("Weather in Paris?"),
                                AiMessage.from(call),
                                ToolExecutionResultMessage.from(call, "sunny, 24 C"))
                        .toolSpecifications(WEATHER)
                        .build());

        assertThat(script.prompts.get(0))
                .contains("<|im_start|>assistant\n<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\":"
                        + " \"Paris\"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\nsunny, 24 C\n"
                        + "</tool_response><|im_end|>\n<|im_start|>assistant\n");
        assertThat(r.aiMessage().text()).isEqualTo("It is sunny.");
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void eachFamilysCallFormatIsReadFromItsTemplate() {
        record Family(String template, String answer) {}
        for (Family f : List.of(
                new Family(
                        "llama-3.1-instruct.jinja", "{\"name\": \"weather\", \"parameters\": {\"city\": \"Paris\"}}"),
                new Family(
                        "mistral-nemo-instruct-2407.jinja",
                        "[{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}]"),
                new Family("qwen3.jinja", "<think>\nA tool.\n</think>\n\n" + QWEN_CALL))) {
            ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer()).then(f.answer());
            ChatResponse r = ScriptedChatModels.chatModel(
                            engine,
                            script,
                            RasdChatModel.builder().chatTemplate(ScriptedAnswers.template(f.template())))
                    .chat(weatherRequest());
            assertThat(r.aiMessage().toolExecutionRequests())
                    .as(f.template())
                    .singleElement()
                    .satisfies(c -> assertThat(c.arguments()).isEqualTo("{\"city\":\"Paris\"}"));
        }
    }

    @Test
    void aCallThatDoesNotParseIsReturnedAsText() {
        String broken = "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": Paris}}\n</tool_call>";
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer()).then(broken);
        ChatResponse r = ScriptedChatModels.chatModel(engine, script, qwen()).chat(weatherRequest());
        assertThat(r.aiMessage().text()).isEqualTo(broken);
        assertThat(r.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void toolChoiceNoneLeavesTheToolsOutAndTheAnswerUnparsed() {
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer()).then(QWEN_CALL);
        ChatResponse r = ScriptedChatModels.chatModel(engine, script, qwen())
                .chat(ChatRequest.builder()
                        .messages(UserMessage.from("Weather in Paris?"))
                        .parameters(ChatRequestParameters.builder()
                                .toolSpecifications(WEATHER)
                                .toolChoice(ToolChoice.NONE)
                                .build())
                        .build());
        assertThat(script.prompts.get(0)).doesNotContain("<tools>");
        assertThat(r.aiMessage().text()).isEqualTo(QWEN_CALL);
    }

    @Test
    void aTemplateWithoutToolsRefusesThemNamingTheModel() {
        RasdChatModel demo = RasdChatModel.builder().engine(engine).build();
        assertThatThrownBy(() -> demo.chat(weatherRequest()))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("demo-target")
                .hasMessageContaining("does not support tools");
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer());
        RasdChatModel unknown = ScriptedChatModels.chatModel(
                engine,
                script,
                RasdChatModel.builder().chatTemplate(ScriptedAnswers.template("phi-3.5-mini-instruct.jinja")));
        assertThatThrownBy(() -> unknown.chat(weatherRequest()))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("does not support tools");
    }

    @Test
    void anExplicitFormatOverridesTheDetectedOne() {
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer())
                .then("[{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}]");
        ChatResponse r = ScriptedChatModels.chatModel(engine, script, qwen().toolCallFormat(ToolCallFormat.MISTRAL))
                .chat(weatherRequest());
        assertThat(r.aiMessage().toolExecutionRequests()).hasSize(1);
    }

    @Test
    void streamingSendsTheTextThenEachCompleteCallThenTheResponse() throws Exception {
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer()).then("Let me check.\n" + QWEN_CALL);
        RasdStreamingChatModel model = ScriptedChatModels.streamingModel(
                engine,
                script,
                RasdStreamingChatModel.builder().chatTemplate(ScriptedAnswers.template("qwen2.5-instruct.jinja")));
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(weatherRequest(), new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                events.add("text:" + partial);
            }

            @Override
            public void onCompleteToolCall(CompleteToolCall call) {
                events.add("call:" + call.index() + ":"
                        + call.toolExecutionRequest().name() + ":"
                        + call.toolExecutionRequest().arguments());
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                events.add("done");
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);

        assertThat(String.join(
                        "",
                        events.stream()
                                .filter(e -> e.startsWith("text:"))
                                .map(e -> e.substring(5))
                                .toList()))
                .isEqualTo("Let me check.");
        assertThat(events.subList(events.size() - 2, events.size()))
                .containsExactly("call:0:weather:{\"city\":\"Paris\"}", "done");
        assertThat(r.aiMessage().text()).isEqualTo("Let me check.");
        assertThat(r.aiMessage().toolExecutionRequests()).hasSize(1);
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
    }

    /** The tool AiServices calls; it records its calls. */
    static final class WeatherTools {
        final List<String> cities = Collections.synchronizedList(new ArrayList<>());

        @Tool("The weather in a city")
        String weather(@P("the city") String city) {
            cities.add(city);
            return "sunny, 24 C";
        }
    }

    interface Assistant {
        String chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    /** The call a model would write for {@link WeatherTools} (its parameter's name depends on -parameters). */
    static String weatherToolCall() {
        String parameter = ToolSpecifications.toolSpecificationsFrom(WeatherTools.class)
                .get(0)
                .parameters()
                .properties()
                .keySet()
                .iterator()
                .next();
        return QWEN_CALL.replace("\"city\"", "\"" + parameter + "\"");
    }

    @Test
    void anAiServiceCallsTheToolWithTheParsedArgumentsAndAnswersWithItsResult() {
        ScriptedAnswers script =
                new ScriptedAnswers(engine.tokenizer()).then(weatherToolCall(), "It is sunny in Paris, 24 C.");
        WeatherTools tools = new WeatherTools();
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(ScriptedChatModels.chatModel(engine, script, qwen()))
                .tools(tools)
                .chatMemory(MessageWindowChatMemory.withMaxMessages(10))
                .build();

        assertThat(assistant.chat("Weather in Paris?")).isEqualTo("It is sunny in Paris, 24 C.");
        assertThat(tools.cities).containsExactly("Paris");
        // the second request carried the call and its result back through the template
        assertThat(script.prompts.get(1))
                .contains("\"Paris\"}}\n</tool_call>")
                .contains("<tool_response>\nsunny, 24 C\n</tool_response>");
    }

    @Test
    void aStreamingAiServiceCallsTheToolAndStreamsTheFinalAnswer() throws Exception {
        ScriptedAnswers script = new ScriptedAnswers(engine.tokenizer())
                .then("Checking.\n" + weatherToolCall(), "It is sunny in Paris.");
        WeatherTools tools = new WeatherTools();
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(ScriptedChatModels.streamingModel(
                        engine,
                        script,
                        RasdStreamingChatModel.builder()
                                .chatTemplate(ScriptedAnswers.template("qwen2.5-instruct.jinja"))))
                .tools(tools)
                .build();
        StringBuilder streamed = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant
                .chat("Weather in Paris?")
                .onPartialResponse(streamed::append)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();

        assertThat(done.get(60, TimeUnit.SECONDS).aiMessage().text()).isEqualTo("It is sunny in Paris.");
        assertThat(tools.cities).containsExactly("Paris");
        assertThat(streamed.toString()).isEqualTo("Checking.It is sunny in Paris.");
    }
}
