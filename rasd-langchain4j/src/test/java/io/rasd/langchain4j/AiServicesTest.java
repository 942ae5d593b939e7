package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.memory.chat.TokenWindowChatMemory;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import io.rasd.cli.Main;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.RasdEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** rasd as LangChain4j users meet it: through AiServices, chat memory and TokenStream. */
class AiServicesTest {

    interface Assistant {
        String chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    private static RasdEngine engine;
    private static final List<List<ChatMessage>> requests = Collections.synchronizedList(new ArrayList<>());
    private static RasdChatModel model;
    private static RasdStreamingChatModel streaming;

    @BeforeAll
    static void setUp() {
        engine = DemoModels.engine();
        ChatModelListener capture = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext ctx) {
                requests.add(ctx.chatRequest().messages());
            }
        };
        model = RasdChatModel.builder()
                .engine(engine)
                .maxOutputTokens(32)
                .listeners(List.of(capture))
                .build();
        streaming = RasdStreamingChatModel.builder()
                .engine(engine)
                .maxOutputTokens(32)
                .build();
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    @Test
    void anAiServiceWithMemorySendsTheWholeConversationEachTurn() {
        ChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(model)
                .chatMemory(memory)
                .build();
        requests.clear();
        String first = assistant.chat("What is a list in Python?");
        String second = assistant.chat("And what is a tuple?");

        assertThat(requests).hasSize(2);
        List<ChatMessage> secondTurn = requests.get(1);
        assertThat(secondTurn)
                .containsExactly(
                        UserMessage.from("What is a list in Python?"),
                        AiMessage.from(first),
                        UserMessage.from("And what is a tuple?"));
        assertThat(memory.messages()).hasSize(4);
        // the second answer is what the model says to that whole conversation, and differs from a fresh start
        assertThat(second).isEqualTo(model.chat(secondTurn).aiMessage().text());
    }

    @Test
    void tokenWindowMemoryCountsWithTheModelsTokenizer() {
        RasdTokenCountEstimator estimator = RasdTokenCountEstimator.of(engine);
        ChatMemory memory = TokenWindowChatMemory.withMaxTokens(120, estimator);
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(model)
                .chatMemory(memory)
                .build();
        for (int i = 0; i < 4; i++) {
            assistant.chat("Tell me about Python feature number " + i);
        }
        assertThat(estimator.estimateTokenCountInMessages(memory.messages())).isLessThanOrEqualTo(120 + 8);
        assertThat(memory.messages().size()).isLessThan(8);
    }

    @Test
    void aTokenStreamDeliversTheSameAnswerAsTheBlockingService() throws Exception {
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(streaming)
                .build();
        List<String> partials = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant
                .chat("How do I open a file?")
                .onPartialResponse(partials::add)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        ChatResponse response = done.get(120, TimeUnit.SECONDS);
        assertThat(String.join("", partials)).isEqualTo(response.aiMessage().text());
        assertThat(response.aiMessage().text()).isEqualTo(model.chat("How do I open a file?"));
        assertThat(response.metadata()).isInstanceOf(RasdChatResponseMetadata.class);
    }

    @Test
    void aTokenStreamCanBeCancelledFromItsPartialResponses() throws Exception {
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(RasdStreamingChatModel.builder()
                        .engine(engine)
                        .maxOutputTokens(400)
                        .build())
                .build();
        List<String> partials = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Object> ended = new CompletableFuture<>();
        assistant
                .chat("Explain Perl references in detail.")
                .onPartialResponseWithContext((partial, ctx) -> {
                    partials.add(partial.text());
                    if (partials.size() == 2) {
                        ctx.streamingHandle().cancel();
                    }
                })
                .onCompleteResponse(ended::complete)
                .onError(ended::complete)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (partials.size() < 2 || engine.runningGenerations() > 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
        Thread.sleep(200);
        assertThat(partials).hasSize(2);
        assertThat(ended).isNotDone();
    }

    @Test
    void greedyOutputThroughLangChain4jEqualsRasdGenerateForTheSamePrompt() {
        String prompt = "What does the with statement do?";
        for (DecodingMode mode : List.of(DecodingMode.AR, DecodingMode.RASD_PLD)) {
            List<String> args = new ArrayList<>(List.of(
                    "generate",
                    "--model",
                    engine.target().directory().toString(),
                    "--chat",
                    "--prompt",
                    prompt,
                    "--max-new-tokens",
                    "32",
                    "--mode",
                    mode.cliName(),
                    // the engine's models are loaded in f32 (CausalLm.load(dir, device, context)); the CLI's auto
                    // would hold the bf16 demo checkpoints in bf16 on a CPU with native bf16, another precision
                    "--dtype",
                    "f32",
                    "--json"));
            if (mode.usesDraft()) {
                args.addAll(List.of("--draft", engine.draft().directory().toString()));
            }
            JsonObject cli =
                    JsonParser.parseString(runCli(args.toArray(String[]::new))).getAsJsonObject();
            ChatResponse viaLangChain4j = model.chat(ChatRequest.builder()
                    .messages(UserMessage.from(prompt))
                    .parameters(RasdChatRequestParameters.builder().mode(mode).build())
                    .build());
            assertThat(viaLangChain4j.aiMessage().text())
                    .as(mode.cliName())
                    .isEqualTo(cli.get("text").getAsString());
            assertThat(viaLangChain4j.tokenUsage().inputTokenCount())
                    .isEqualTo(cli.get("prompt_tokens").getAsInt());
            assertThat(viaLangChain4j.tokenUsage().outputTokenCount())
                    .isEqualTo(cli.getAsJsonArray("tokens").size());
        }
    }

    private static synchronized String runCli(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            assertThat(code).as("rasd %s", String.join(" ", args)).isZero();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8).strip();
    }
}
