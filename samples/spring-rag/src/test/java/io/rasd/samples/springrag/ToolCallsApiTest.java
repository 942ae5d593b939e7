package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import io.rasd.engine.Cancellation;
import io.rasd.engine.FinishReason;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.GenerationStats;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.Reservation;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.langchain4j.RasdStreamingChatModel;
import io.rasd.model.CausalLm;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * {@code tools} and {@code tool_calls} in the OpenAI API, on answers scripted in place of the demo model's (it cannot
 * call tools) with Qwen2.5's chat template: the request's tools and tool messages, and the response's calls, whole and
 * streamed in OpenAI's delta format.
 */
class ToolCallsApiTest {

    static final String QWEN_CALL =
            "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    static final String TOOLS = """
            "tools": [{"type": "function", "function": {"name": "weather", "description": "The weather in a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]""";

    private static RasdEngine engine;
    private static final Deque<String> answers = new ConcurrentLinkedDeque<>();
    private static final List<String> prompts = new ArrayList<>();
    private static MockMvc mvc;

    @BeforeAll
    static void setUp() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(TestApp.ROOT.resolve("models/demo-target"));
        engine = RasdEngine.builder()
                .target(CausalLm.load(TestApp.ROOT.resolve("models/demo-target"), Device.cpu(), 0))
                .tokenizer(tokenizer)
                .ownsModels(true)
                .build();
        ChatTemplate qwen = ChatTemplate.of(
                Files.readString(TestApp.ROOT.resolve("testdata/chat-templates/qwen2.5-instruct.jinja")), Map.of());
        RasdChatModel chat =
                new RasdChatModel(RasdChatModel.builder().engine(engine).chatTemplate(qwen)) {
                    @Override
                    protected GenerationResult generate(
                            GenerationRequest r, GenerationListener l, Cancellation c, Reservation reservation) {
                        return scripted(r, l);
                    }
                };
        RasdStreamingChatModel streaming =
                new RasdStreamingChatModel(
                        RasdStreamingChatModel.builder().engine(engine).chatTemplate(qwen)) {
                    @Override
                    protected GenerationResult generate(
                            GenerationRequest r, GenerationListener l, Cancellation c, Reservation reservation) {
                        reservation.close(); // the engine would have taken it over
                        return scripted(r, l);
                    }
                };
        Readiness ready = new Readiness();
        ready.ready();
        mvc = MockMvcBuilders.standaloneSetup(new ChatCompletionsController(
                        chat, streaming, engine, q -> List.of(), ready, new RagProperties()))
                .build();
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    /** The next scripted answer, one token at a time as far as the listener can tell. */
    private static GenerationResult scripted(GenerationRequest request, GenerationListener listener) {
        prompts.add(engine.tokenizer().decode(request.promptTokens(), false));
        String answer = answers.remove();
        for (int i = 0; i < answer.length(); i += 4) {
            listener.onTokens(
                    new int[] {0},
                    new TokenOrigin[] {TokenOrigin.TARGET},
                    answer.substring(i, Math.min(answer.length(), i + 4)));
        }
        return new GenerationResult(
                new int[] {0},
                answer,
                FinishReason.STOP,
                GenerationStats.builder()
                        .promptTokens(request.promptTokens().length)
                        .build());
    }

    private static MvcResult complete(String body) throws Exception {
        return mvc.perform(post("/v1/chat/completions")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(body))
                .andReturn();
    }

    @Test
    void aToolCallComesBackAsToolCallsWithFinishReasonToolCalls() throws Exception {
        answers.add(QWEN_CALL);
        MvcResult r =
                complete("{" + TOOLS + ", \"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}]}");

        assertThat(r.getResponse().getStatus()).isEqualTo(200);
        JsonObject choice = JsonParser.parseString(r.getResponse().getContentAsString())
                .getAsJsonObject()
                .getAsJsonArray("choices")
                .get(0)
                .getAsJsonObject();
        assertThat(choice.get("finish_reason").getAsString()).isEqualTo("tool_calls");
        JsonObject message = choice.getAsJsonObject("message");
        assertThat(message.get("content").isJsonNull()).isTrue();
        JsonObject call = message.getAsJsonArray("tool_calls").get(0).getAsJsonObject();
        assertThat(call.get("type").getAsString()).isEqualTo("function");
        assertThat(call.get("id").getAsString()).hasSize(9);
        assertThat(call.getAsJsonObject("function").get("name").getAsString()).isEqualTo("weather");
        assertThat(call.getAsJsonObject("function").get("arguments").getAsString())
                .isEqualTo("{\"city\":\"Paris\"}");
        assertThat(prompts.get(prompts.size() - 1)).contains("<tools>\n{\"type\": \"function\"");
    }

    @Test
    void aStreamedToolCallArrivesAsOneToolCallsDeltaAfterTheText() throws Exception {
        answers.add("Let me check.\n" + QWEN_CALL);
        MvcResult started = complete("{" + TOOLS
                + ", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\":" + " \"Weather in Paris?\"}]}");
        started.getAsyncResult(60_000);
        List<JsonObject> events = new ArrayList<>();
        for (String line : started.getResponse().getContentAsString().split("\n")) {
            if (line.startsWith("data: {")) {
                events.add(JsonParser.parseString(line.substring(6)).getAsJsonObject());
            }
        }
        StringBuilder content = new StringBuilder();
        JsonArray toolCalls = null;
        String finish = null;
        for (JsonObject e : events) {
            JsonArray choices = e.getAsJsonArray("choices");
            if (choices.isEmpty()) {
                continue; // usage
            }
            JsonObject choice = choices.get(0).getAsJsonObject();
            JsonObject delta = choice.getAsJsonObject("delta");
            if (delta.has("content") && !delta.get("content").isJsonNull()) {
                assertThat(toolCalls).as("text before the calls").isNull();
                content.append(delta.get("content").getAsString());
            }
            if (delta.has("tool_calls")) {
                toolCalls = delta.getAsJsonArray("tool_calls");
            }
            if (!choice.get("finish_reason").isJsonNull()) {
                finish = choice.get("finish_reason").getAsString();
            }
        }
        assertThat(content.toString()).isEqualTo("Let me check.");
        assertThat(finish).isEqualTo("tool_calls");
        JsonObject call = toolCalls.get(0).getAsJsonObject();
        assertThat(call.get("index").getAsInt()).isZero();
        assertThat(call.getAsJsonObject("function").get("arguments").getAsString())
                .isEqualTo("{\"city\":\"Paris\"}");
    }

    @Test
    void toolCallsAndToolMessagesInTheInputGoThroughTheTemplate() throws Exception {
        answers.add("It is sunny.");
        MvcResult r = complete("{" + TOOLS + ", \"messages\": ["
                + "{\"role\": \"user\", \"content\": \"Weather in Paris?\"},"
                + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"abcDEF123\", \"type\":"
                + " \"function\", \"function\": {\"name\": \"weather\", \"arguments\": \"{\\\"city\\\":"
                + " \\\"Paris\\\"}\"}}]},"
                + "{\"role\": \"tool\", \"tool_call_id\": \"abcDEF123\", \"content\": \"sunny, 24 C\"}]}");

        assertThat(r.getResponse().getStatus()).isEqualTo(200);
        assertThat(prompts.get(prompts.size() - 1))
                .contains("<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>")
                .contains("<tool_response>\nsunny, 24 C\n</tool_response>");
        JsonObject choice = JsonParser.parseString(r.getResponse().getContentAsString())
                .getAsJsonObject()
                .getAsJsonArray("choices")
                .get(0)
                .getAsJsonObject();
        assertThat(choice.getAsJsonObject("message").get("content").getAsString())
                .isEqualTo("It is sunny.");
        assertThat(choice.get("finish_reason").getAsString()).isEqualTo("stop");
    }

    @Test
    void theRequestCarriesToolsToolChoiceAndToolMessagesToTheChatModel() {
        ChatCompletionRequest r = ChatCompletionRequest.parse("{" + TOOLS + ", \"tool_choice\": \"none\","
                + " \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\","
                + " \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"weather\","
                + " \"arguments\": \"{}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"x\"}]}");
        ChatRequest chat = r.toChatRequest(r.messages());
        assertThat(chat.toolSpecifications()).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("weather");
            assertThat(t.parameters().required()).containsExactly("city");
        });
        assertThat(chat.parameters().toolChoice()).isEqualTo(ToolChoice.NONE);
        assertThat(r.offersTools()).isFalse();
        assertThat(((AiMessage) chat.messages().get(1)).toolExecutionRequests()).hasSize(1);
        assertThat(((ToolExecutionResultMessage) chat.messages().get(2)).toolName())
                .isEqualTo("weather");
    }

    @Test
    void forcingACallOrMalformedToolsAre400sNamingTheField() {
        String messages = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";
        assertThatThrownBy(() ->
                        ChatCompletionRequest.parse("{" + TOOLS + ", \"tool_choice\": \"required\", " + messages + "}"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.param()).isEqualTo("tool_choice"));
        assertThatThrownBy(
                        () -> ChatCompletionRequest.parse("{\"tools\": [{\"type\": \"function\"}], " + messages + "}"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.param()).isEqualTo("tools[0].function"));
        assertThatThrownBy(
                        () -> ChatCompletionRequest.parse("{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.param()).isEqualTo("messages[0].tool_call_id"));
    }
}
