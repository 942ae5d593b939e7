package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.RasdTimeoutException;
import io.rasd.model.CausalLm;
import io.rasd.text.ChatMessage;
import io.rasd.text.ChatTemplate;
import io.rasd.tree.TokenOrigin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RasdChatModelTest {

    private static final String QUESTION = "How do I read a file line by line in Python?";
    private static RasdEngine engine;
    private static RasdChatModel model;

    @BeforeAll
    static void setUp() {
        engine = DemoModels.engine();
        model = RasdChatModel.builder().engine(engine).maxOutputTokens(48).build();
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    /** What plain greedy decoding of the rendered conversation gives, straight from the engine. */
    private static GenerationResult plain(List<ChatMessage> conversation, int maxNewTokens) {
        String rendered = ChatTemplate.load(engine.target().directory()).render(conversation, true);
        int[] prompt = engine.tokenizer().encode(rendered, false);
        return engine.generate(GenerationRequest.greedy(prompt, maxNewTokens));
    }

    @Test
    void greedyAnswersEqualPlainDecodingOfTheRenderedConversationInEveryMode() {
        GenerationResult plain =
                plain(List.of(new ChatMessage("system", "You answer briefly."), new ChatMessage("user", QUESTION)), 48);
        for (DecodingMode mode : List.of(
                DecodingMode.AR, DecodingMode.DRAFT, DecodingMode.PLD, DecodingMode.RASD_PLD, DecodingMode.RASD)) {
            ChatResponse r = model.chat(ChatRequest.builder()
                    .messages(SystemMessage.from("You answer briefly."), UserMessage.from(QUESTION))
                    .parameters(RasdChatRequestParameters.builder().mode(mode).build())
                    .build());
            assertThat(r.aiMessage().text()).as(mode.cliName()).isEqualTo(plain.text());
            assertThat(((RasdChatResponseMetadata) r.metadata()).mode()).isEqualTo(mode);
        }
    }

    @Test
    void theResponseCarriesUsageFinishReasonModelNameAndSpeculationStats() {
        ChatResponse r = model.chat(
                ChatRequest.builder().messages(UserMessage.from(QUESTION)).build());
        GenerationResult plain = plain(List.of(new ChatMessage("user", QUESTION)), 48);

        assertThat(r.metadata()).isInstanceOf(RasdChatResponseMetadata.class);
        RasdChatResponseMetadata m = (RasdChatResponseMetadata) r.metadata();
        assertThat(m.modelName()).isEqualTo("demo-target");
        assertThat(m.id()).startsWith("rasd-");
        assertThat(m.tokenUsage().inputTokenCount()).isEqualTo(plain.stats().promptTokens());
        assertThat(m.tokenUsage().outputTokenCount()).isEqualTo(plain.tokens().length);
        assertThat(m.tokenUsage().totalTokenCount()).isEqualTo(plain.stats().promptTokens() + plain.tokens().length);
        assertThat(m.finishReason())
                .isEqualTo(
                        plain.finishReason() == io.rasd.engine.FinishReason.STOP
                                ? FinishReason.STOP
                                : FinishReason.LENGTH);
        // default mode with a draft model and a datastore is rasd
        assertThat(m.mode()).isEqualTo(DecodingMode.RASD);
        assertThat(m.meanAcceptedTokens()).isGreaterThanOrEqualTo(1.0);
        assertThat(m.tokensPerSecond()).isPositive();
        int bySource = 0;
        for (TokenOrigin o : TokenOrigin.values()) {
            bySource += m.acceptedTokens(o);
        }
        assertThat(bySource).isEqualTo(m.tokenUsage().outputTokenCount());
        assertThat(m.toString()).contains("tau=").contains("acceptedBySource=");
        assertThat(m.toBuilder().build()).isEqualTo(m);
        assertThat(r.modelName()).isEqualTo("demo-target");
    }

    @Test
    void maxOutputTokensPerRequestOverridesTheDefaultAndEndsWithLength() {
        ChatResponse r = model.chat(ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(5).build())
                .build());
        assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(5);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(r.aiMessage().text())
                .isEqualTo(plain(List.of(new ChatMessage("user", QUESTION)), 5).text());
    }

    @Test
    void aStopSequenceThatSpansTokensEndsTheAnswerJustBeforeIt() {
        GenerationResult plain = plain(List.of(new ChatMessage("user", QUESTION)), 48);
        int[] tokens = plain.tokens();
        // the last character of one token and the first of the next: the stop string spans a token boundary
        String stop = null;
        int cut = -1;
        for (int i = 1; i + 1 < tokens.length && stop == null; i++) {
            String a = decodePrefix(tokens, i);
            String b = decodePrefix(tokens, i + 1);
            String c = decodePrefix(tokens, i + 2);
            if (b.startsWith(a) && c.startsWith(b) && b.length() - a.length() >= 2 && c.length() > b.length()) {
                String s = c.substring(b.length() - 1, b.length() + 1);
                if (!s.isBlank() && plain.text().indexOf(s) == b.length() - 1) {
                    stop = s;
                    cut = b.length() - 1;
                }
            }
        }
        assertThat(stop)
                .as("a stop string across a token boundary in %s", plain.text())
                .isNotNull();

        ChatResponse r = model.chat(ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .parameters(ChatRequestParameters.builder().stopSequences(stop).build())
                .build());
        assertThat(r.aiMessage().text())
                .isEqualTo(plain.text().substring(0, cut))
                .doesNotContain(stop);
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    }

    private static String decodePrefix(int[] tokens, int n) {
        return engine.tokenizer().decode(java.util.Arrays.copyOf(tokens, n), true);
    }

    @Test
    void samplingFollowsTemperatureTopKTopPAndTheSeed() {
        ChatRequest.Builder b = ChatRequest.builder().messages(UserMessage.from(QUESTION));
        RasdChatRequestParameters seeded = RasdChatRequestParameters.builder()
                .temperature(0.9)
                .topK(40)
                .topP(0.95)
                .seed(7L)
                .build();
        String a = model.chat(b.parameters(seeded).build()).aiMessage().text();
        String again = model.chat(b.parameters(seeded).build()).aiMessage().text();
        assertThat(again).isEqualTo(a);
        // speculation does not change the sampled text either: same seed, plain decoding
        String ar = model.chat(b.parameters(seeded.overrideWith(RasdChatRequestParameters.builder()
                                .mode(DecodingMode.AR)
                                .build()))
                        .build())
                .aiMessage()
                .text();
        assertThat(ar).isEqualTo(a);
        List<String> others = new ArrayList<>();
        for (long seed = 8; seed < 12; seed++) {
            others.add(model.chat(b.parameters(RasdChatRequestParameters.builder()
                                    .temperature(0.9)
                                    .seed(seed)
                                    .build())
                            .build())
                    .aiMessage()
                    .text());
        }
        assertThat(others).anySatisfy(o -> assertThat(o).isNotEqualTo(a));
        String greedy = plain(List.of(new ChatMessage("user", QUESTION)), 48).text();
        assertThat(others).anySatisfy(o -> assertThat(o).isNotEqualTo(greedy));
    }

    @Test
    void invalidParametersFailWithTheirNames() {
        ChatRequest.Builder b = ChatRequest.builder().messages(UserMessage.from(QUESTION));
        assertThatThrownBy(() -> model.chat(b.parameters(ChatRequestParameters.builder()
                                .temperature(-1.0)
                                .build())
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> model.chat(b.parameters(ChatRequestParameters.builder()
                                .temperature(0.5)
                                .topP(1.5)
                                .build())
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("top-p");
        assertThatThrownBy(() -> model.chat(b.parameters(ChatRequestParameters.builder()
                                .maxOutputTokens(0)
                                .build())
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("maxOutputTokens");
        assertThatThrownBy(() -> model.chat(b.parameters(RasdChatRequestParameters.builder()
                                .treeBudget(100000)
                                .build())
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("tree budget");
        assertThatThrownBy(() -> RasdChatModel.builder()
                        .engine(engine)
                        .temperature(Double.NaN)
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> RasdChatModel.builder().build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("engine");
    }

    private static ChatRequest.Builder asking(ChatRequestParameters parameters) {
        return ChatRequest.builder().messages(UserMessage.from(QUESTION)).parameters(parameters);
    }

    private static void refusedNaming(ChatRequestParameters parameters, String... named) {
        assertThatThrownBy(() -> model.chat(asking(parameters).build()))
                .as(parameters.toString())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContainingAll(named);
    }

    @Test
    void everyOutOfRangeValueIsAnInvalidRequestNamingItsParameter() {
        for (double t : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.01}) {
            refusedNaming(ChatRequestParameters.builder().temperature(t).build(), "temperature");
        }
        // greedy decoding ignores topK and topP, but a value out of range is still a mistake worth reporting
        for (double p : new double[] {0, -1, 1.5, Double.NaN}) {
            refusedNaming(ChatRequestParameters.builder().topP(p).build(), "topP=" + p, "top-p");
            refusedNaming(
                    ChatRequestParameters.builder().temperature(0.7).topP(p).build(), "top-p");
        }
        refusedNaming(ChatRequestParameters.builder().topK(-1).build(), "topK=-1", "top-k");
        refusedNaming(ChatRequestParameters.builder().maxOutputTokens(-5).build(), "maxOutputTokens", "-5");
        refusedNaming(
                ChatRequestParameters.builder().stopSequences(List.of("ok", "")).build(), "stopSequences");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            many.add("#" + i);
        }
        refusedNaming(
                ChatRequestParameters.builder().stopSequences(many).build(), "stopSequences", "at most 16", "got 17");
        refusedNaming(
                ChatRequestParameters.builder()
                        .stopSequences(List.of("ok", "y".repeat(100_000)))
                        .build(),
                "stopSequences[1] has 100000 chars",
                "at most 1000");
    }

    @Test
    void emptyOrWhitespaceUserMessagesAreInvalidRequestsNamingTheMessage() {
        assertThatThrownBy(() -> model.chat(UserMessage.from("")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("messages[0] (user) is empty");
        assertThatThrownBy(() -> model.chat(
                        SystemMessage.from("Be brief."),
                        UserMessage.from(QUESTION),
                        AiMessage.from("Use a loop."),
                        UserMessage.from(" \n\t ")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("messages[3] (user) is whitespace only");
        // a whitespace stop sequence, unlike a whitespace message, is a real stop condition
        ChatResponse r = model.chat(
                asking(ChatRequestParameters.builder().stopSequences(" ").build())
                        .build());
        assertThat(r.aiMessage().text()).doesNotContain(" ");
    }

    @Test
    void anUnboundedMaxOutputTokensEndsAtTheContextWindowWithLength() {
        int prompt =
                RasdTokenCountEstimator.of(engine).estimateTokenCountInMessages(List.of(UserMessage.from(QUESTION)));
        try (CausalLm small = CausalLm.load(engine.target().directory(), ai.djl.Device.cpu(), prompt + 6);
                RasdEngine e = RasdEngine.builder()
                        .target(small)
                        .tokenizer(engine.tokenizer())
                        .build()) {
            RasdChatModel m = RasdChatModel.builder().engine(e).build();
            ChatResponse r = m.chat(asking(ChatRequestParameters.builder()
                            .maxOutputTokens(Integer.MAX_VALUE)
                            .build())
                    .build());
            assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.tokenUsage().inputTokenCount()).isEqualTo(prompt);
            assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(6);
        }
    }

    @Test
    void aRequestForAnotherModelIsRefused() {
        assertThatThrownBy(() -> model.chat(ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .parameters(ChatRequestParameters.builder()
                                .modelName("gpt-4o")
                                .build())
                        .build()))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("gpt-4o")
                .hasMessageContaining("demo-target");
        ChatResponse named = model.chat(ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .parameters(ChatRequestParameters.builder()
                        .modelName("demo-target")
                        .maxOutputTokens(3)
                        .build())
                .build());
        assertThat(named.tokenUsage().outputTokenCount()).isEqualTo(3);
    }

    @Test
    void toolsOnATemplateWithoutThemPenaltiesImagesAndToolResultsAreUnsupported() {
        ChatRequest.Builder b = ChatRequest.builder().messages(UserMessage.from(QUESTION));
        ToolSpecification tool = ToolSpecification.builder()
                .name("weather")
                .description("weather")
                .build();
        assertThatThrownBy(() -> model.chat(b.parameters(ChatRequestParameters.builder()
                                .toolSpecifications(tool)
                                .build())
                        .build()))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("tools");
        assertThatThrownBy(() -> model.chat(b.parameters(ChatRequestParameters.builder()
                                .frequencyPenalty(0.5)
                                .build())
                        .build()))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("frequencyPenalty");
        assertThatThrownBy(() -> model.chat(ChatRequest.builder()
                        .messages(UserMessage.from(
                                TextContent.from("what is this?"),
                                ImageContent.from(
                                        Image.builder().url("http://x/y.png").build())))
                        .build()))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("IMAGE");
        ToolExecutionRequest call = ToolExecutionRequest.builder()
                .id("1")
                .name("weather")
                .arguments("{}")
                .build();
        // the demo model's template renders no tool calls: they would vanish from the prompt
        assertThatThrownBy(() -> model.chat(ChatRequest.builder()
                        .messages(
                                UserMessage.from(QUESTION),
                                AiMessage.from(call),
                                ToolExecutionResultMessage.from(call, "sunny"))
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("does not render tool calls or tool results");
        assertThat(model.supportedCapabilities()).containsExactly(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
        // a zero penalty is the same as none
        assertThat(model.chat(b.parameters(ChatRequestParameters.builder()
                                        .presencePenalty(0.0)
                                        .maxOutputTokens(2)
                                        .build())
                                .build())
                        .tokenUsage()
                        .outputTokenCount())
                .isEqualTo(2);
    }

    @Test
    void aConversationLongerThanTheContextWindowIsAClearError() {
        String huge = "word ".repeat(engine.target().contextLimit() + 10);
        assertThatThrownBy(() -> model.chat(huge))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("context window")
                .hasMessageContaining(String.valueOf(engine.target().contextLimit()));
    }

    @Test
    void aModeTheEngineCannotRunIsAClearError() {
        try (RasdEngine noDraft = RasdEngine.builder()
                .target(DemoModels.TARGET)
                .tokenizer(DemoModels.TOKENIZER)
                .build()) {
            RasdChatModel m =
                    RasdChatModel.builder().engine(noDraft).maxOutputTokens(4).build();
            assertThat(m.defaultRequestParameters().mode()).isEqualTo(DecodingMode.PLD);
            assertThatThrownBy(() -> m.chat(ChatRequest.builder()
                            .messages(UserMessage.from(QUESTION))
                            .parameters(RasdChatRequestParameters.builder()
                                    .mode(DecodingMode.RASD)
                                    .build())
                            .build()))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("draft model");
            assertThatThrownBy(() -> RasdChatModel.builder()
                            .engine(noDraft)
                            .mode(DecodingMode.DATASTORE)
                            .build())
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("datastore");
        }
    }

    @Test
    void listenersSeeTheMergedRequestAndTheResponse() {
        List<Object> seen = Collections.synchronizedList(new ArrayList<>());
        ChatModelListener listener = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext ctx) {
                seen.add(ctx.chatRequest().parameters());
            }

            @Override
            public void onResponse(ChatModelResponseContext ctx) {
                seen.add(ctx.chatResponse());
            }

            @Override
            public void onError(ChatModelErrorContext ctx) {
                seen.add(ctx.error());
            }
        };
        List<ChatModelListener> listeners = new ArrayList<>(List.of(listener));
        RasdChatModel m = RasdChatModel.builder()
                .engine(engine)
                .maxOutputTokens(4)
                .listeners(listeners)
                .build();
        listeners.clear(); // copied defensively
        m.chat(QUESTION);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).isInstanceOfSatisfying(RasdChatRequestParameters.class, p -> {
            assertThat(p.modelName()).isEqualTo("demo-target");
            assertThat(p.maxOutputTokens()).isEqualTo(4);
            assertThat(p.mode()).isEqualTo(DecodingMode.RASD);
        });
        assertThat(seen.get(1)).isInstanceOf(ChatResponse.class);
        assertThatThrownBy(() -> m.chat(ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .parameters(ChatRequestParameters.builder().temperature(-2.0).build())
                .build()));
        assertThat(seen).hasSize(4).last().isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void aCallPastItsTimeoutFailsWithLangChain4jsTimeoutExceptionAndFreesTheEngine() {
        RasdChatModel timed = RasdChatModel.builder()
                .engine(engine)
                .maxOutputTokens(48)
                .timeout(Duration.ofNanos(1)) // passed by the first step: deterministic
                .build();
        assertThat(timed.defaultRequestParameters().timeout()).isEqualTo(Duration.ofNanos(1));
        assertThatThrownBy(() -> timed.chat(QUESTION))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("timeout")
                .cause()
                .isInstanceOfSatisfying(
                        RasdTimeoutException.class,
                        e -> assertThat(e.partialResult().finishReason())
                                .isEqualTo(io.rasd.engine.FinishReason.TIMEOUT));
        assertThat(engine.runningGenerations()).isZero();
        // a request's own timeout overrides the builder's; a generous one changes nothing
        ChatResponse answer = timed.chat(ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .parameters(RasdChatRequestParameters.builder()
                        .timeout(Duration.ofMinutes(5))
                        .build())
                .build());
        assertThat(answer.aiMessage().text()).isEqualTo(model.chat(QUESTION));
    }

    @Test
    void aTimeoutThatIsNotPositiveIsAnInvalidRequestNamingIt() {
        assertThatThrownBy(() -> RasdChatModel.builder()
                        .engine(engine)
                        .timeout(Duration.ZERO)
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> model.chat(ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .parameters(RasdChatRequestParameters.builder()
                                .timeout(Duration.ofSeconds(-1))
                                .build())
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("timeout must be positive");
    }

    @Test
    void callersBeyondTheEnginesQueueGetARateLimitErrorAtOnce() throws Exception {
        try (RasdEngine small = RasdEngine.builder()
                .target(DemoModels.TARGET)
                .tokenizer(DemoModels.TOKENIZER)
                .maxConcurrentGenerations(1)
                .maxQueuedGenerations(0)
                .build()) {
            RasdStreamingChatModel streaming = RasdStreamingChatModel.builder()
                    .engine(small)
                    .maxOutputTokens(400)
                    .build();
            RasdChatModel sync =
                    RasdChatModel.builder().engine(small).maxOutputTokens(4).build();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<ChatResponse> first = new CompletableFuture<>();
            streaming.chat(QUESTION, new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String partial) {
                    started.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public void onCompleteResponse(ChatResponse response) {
                    first.complete(response);
                }

                @Override
                public void onError(Throwable error) {
                    first.completeExceptionally(error);
                }
            });
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> sync.chat(QUESTION))
                    .isInstanceOf(RateLimitException.class)
                    .hasMessageContaining("at capacity");
            release.countDown();
            assertThat(first.get(60, TimeUnit.SECONDS).aiMessage().text()).isNotEmpty();
            assertThat(sync.chat(QUESTION)).isNotNull();
        }
    }

    @Test
    void oneModelServesManyConcurrentCallersWithTheirOwnAnswers() throws Exception {
        List<String> questions = List.of(QUESTION, "What is a tuple?", "How do I sort a dict?", "Why use Perl?");
        List<String> alone = new ArrayList<>();
        for (String q : questions) {
            alone.add(model.chat(q));
        }
        List<CompletableFuture<String>> together = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (String q : questions) {
                together.add(CompletableFuture.supplyAsync(() -> model.chat(q)));
            }
        }
        for (int i = 0; i < together.size(); i++) {
            assertThat(together.get(i).get(120, TimeUnit.SECONDS)).isEqualTo(alone.get(i % questions.size()));
        }
    }

    @Test
    void chatAsyncCompletesWithTheSameAnswer() throws Exception {
        assertThat(model.chatAsync(QUESTION).get(60, TimeUnit.SECONDS)).isEqualTo(model.chat(QUESTION));
    }
}
