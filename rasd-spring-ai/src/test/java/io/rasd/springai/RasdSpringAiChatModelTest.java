package io.rasd.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.GenerationStats;
import io.rasd.engine.RasdEngine;
import io.rasd.text.ChatMessage;
import io.rasd.text.ChatTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.util.MimeTypeUtils;

class RasdSpringAiChatModelTest {

    static final String QUESTION = "How do I read a file line by line in Python?";
    private static final RasdEngine engine = DemoModels.ENGINE;
    private static final RasdSpringAiChatModel model = DemoModels.MODEL;

    /** What plain greedy decoding of the rendered conversation gives, straight from the engine. */
    static GenerationResult plain(RasdEngine engine, List<ChatMessage> conversation, int maxNewTokens) {
        String rendered = ChatTemplate.load(engine.target().directory()).render(conversation, true);
        int[] prompt = engine.tokenizer().encode(rendered, false);
        return engine.generate(GenerationRequest.greedy(prompt, maxNewTokens));
    }

    private static GenerationResult plainAnswer(int maxNewTokens) {
        return plain(engine, List.of(new ChatMessage("user", QUESTION)), maxNewTokens);
    }

    private static ChatResponse ask(ChatOptions options) {
        return model.call(new Prompt(QUESTION, options));
    }

    static String text(ChatResponse response) {
        return response.getResult().getOutput().getText();
    }

    @Test
    void greedyAnswersEqualPlainDecodingOfTheRenderedConversationInEveryMode() {
        GenerationResult plain = plain(
                engine,
                List.of(new ChatMessage("system", "You answer briefly."), new ChatMessage("user", QUESTION)),
                DemoModels.MAX_TOKENS);
        for (DecodingMode mode : List.of(DecodingMode.AR, DecodingMode.RASD_PLD, DecodingMode.RASD)) {
            ChatResponse r = model.call(new Prompt(
                    List.of(new SystemMessage("You answer briefly."), new UserMessage(QUESTION)),
                    RasdSpringAiChatOptions.builder().mode(mode).build()));
            assertThat(text(r)).as(mode.cliName()).isEqualTo(plain.text());
            assertThat((String) r.getMetadata().get(RasdSpringAiChatModel.METADATA_MODE))
                    .isEqualTo(mode.cliName());
        }
    }

    @Test
    void aConversationWithEarlierTurnsRendersLikeTheEngineSeesIt() {
        List<ChatMessage> turns = List.of(
                new ChatMessage("user", "What is a tuple?"),
                new ChatMessage("assistant", "An immutable sequence."),
                new ChatMessage("user", QUESTION));
        List<Message> messages = List.of(
                new UserMessage("What is a tuple?"),
                new AssistantMessage("An immutable sequence."),
                new UserMessage(QUESTION));
        assertThat(text(model.call(new Prompt(messages))))
                .isEqualTo(plain(engine, turns, DemoModels.MAX_TOKENS).text());
    }

    @Test
    void theResponseCarriesUsageFinishReasonIdModelAndSpeculationStats() {
        ChatResponse r = model.call(new Prompt(QUESTION));
        GenerationResult plain = plainAnswer(DemoModels.MAX_TOKENS);
        ChatResponseMetadata m = r.getMetadata();

        assertThat(r.getResults()).hasSize(1);
        assertThat(m.getId()).startsWith("rasd-");
        assertThat(m.getModel()).isEqualTo("demo-target");
        assertThat(m.getUsage().getPromptTokens()).isEqualTo(plain.stats().promptTokens());
        assertThat(m.getUsage().getCompletionTokens()).isEqualTo(plain.tokens().length);
        assertThat(m.getUsage().getTotalTokens()).isEqualTo(plain.stats().promptTokens() + plain.tokens().length);
        assertThat(r.getResult().getMetadata().getFinishReason())
                .isEqualTo(plain.finishReason().name());
        assertThat((String) m.get(RasdSpringAiChatModel.METADATA_MODE)).isEqualTo("pld");
        assertThat((Double) m.get(RasdSpringAiChatModel.METADATA_MEAN_ACCEPTED_TOKENS))
                .isGreaterThanOrEqualTo(1.0);
        assertThat((Double) m.get(RasdSpringAiChatModel.METADATA_TOKENS_PER_SECOND))
                .isPositive();
        assertThat((Integer) m.get(RasdSpringAiChatModel.METADATA_TARGET_FORWARDS))
                .isPositive()
                .isLessThanOrEqualTo(plain.tokens().length);
        Map<String, Integer> accepted = m.get(RasdSpringAiChatModel.METADATA_ACCEPTED_TOKENS);
        assertThat(accepted).containsOnlyKeys("bonus", "draft", "pld", "datastore");
        assertThat(accepted.values().stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(m.getUsage().getCompletionTokens());
        assertThat((GenerationStats) m.get(RasdSpringAiChatModel.METADATA_STATS))
                .isNotNull();
    }

    @Test
    void maxTokensEndsTheAnswerWithLengthAndAStopSequenceWithStop() {
        ChatResponse cut = ask(ChatOptions.builder().maxTokens(5).build());
        assertThat(cut.getMetadata().getUsage().getCompletionTokens()).isEqualTo(5);
        assertThat(cut.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
        assertThat(cut.hasFinishReasons(java.util.Set.of("length"))).isTrue();
        assertThat(text(cut)).isEqualTo(plainAnswer(5).text());

        String full = plainAnswer(DemoModels.MAX_TOKENS).text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        ChatResponse stopped =
                ask(ChatOptions.builder().stopSequences(List.of(stop)).build());
        assertThat(text(stopped))
                .isEqualTo(full.substring(0, full.indexOf(stop)))
                .doesNotContain(stop);
        assertThat(stopped.getResult().getMetadata().getFinishReason()).isEqualTo("STOP");
    }

    @Test
    void promptOptionsOverrideTheDefaultsAndPlainChatOptionsAreAccepted() {
        RasdSpringAiChatModel withDefaults = RasdSpringAiChatModel.builder()
                .engine(engine)
                .defaultOptions(RasdSpringAiChatOptions.builder()
                        .maxTokens(7)
                        .mode(DecodingMode.PLD)
                        .build())
                .build();
        // no options: the defaults
        ChatResponse defaults = withDefaults.call(new Prompt(QUESTION));
        assertThat(defaults.getMetadata().getUsage().getCompletionTokens()).isEqualTo(7);
        assertThat((String) defaults.getMetadata().get(RasdSpringAiChatModel.METADATA_MODE))
                .isEqualTo("pld");
        // plain ChatOptions override what they set and keep rasd's defaults
        ChatResponse plainOptions = withDefaults.call(
                new Prompt(QUESTION, ChatOptions.builder().maxTokens(3).build()));
        assertThat(plainOptions.getMetadata().getUsage().getCompletionTokens()).isEqualTo(3);
        assertThat((String) plainOptions.getMetadata().get(RasdSpringAiChatModel.METADATA_MODE))
                .isEqualTo("pld");
        // tool-calling options without tools are plain options too
        ChatResponse toolOptions = withDefaults.call(new Prompt(
                QUESTION, ToolCallingChatOptions.builder().maxTokens(2).build()));
        assertThat(toolOptions.getMetadata().getUsage().getCompletionTokens()).isEqualTo(2);
        // rasd options override rasd's fields and keep the other defaults
        ChatResponse rasdOptions = withDefaults.call(new Prompt(
                QUESTION, RasdSpringAiChatOptions.builder().mode("ar").build()));
        assertThat(rasdOptions.getMetadata().getUsage().getCompletionTokens()).isEqualTo(7);
        assertThat((String) rasdOptions.getMetadata().get(RasdSpringAiChatModel.METADATA_MODE))
                .isEqualTo("ar");
        assertThat(text(rasdOptions))
                .isEqualTo(text(defaults))
                .isEqualTo(plainAnswer(7).text());
        // naming this model is fine
        assertThat(text(withDefaults.call(new Prompt(
                        QUESTION, ChatOptions.builder().model("demo-target").build()))))
                .isEqualTo(text(defaults));
    }

    @Test
    @SuppressWarnings("removal")
    void theDefaultOptionsAreTheResolvedDefaultsAndCannotBeChangedThroughACopy() {
        RasdSpringAiChatOptions defaults = model.getOptions();
        assertThat(defaults.getModel()).isEqualTo("demo-target").isEqualTo(model.modelName());
        assertThat(defaults.getMode()).isEqualTo(DecodingMode.PLD);
        assertThat(defaults.getMaxTokens()).isEqualTo(DemoModels.MAX_TOKENS);
        assertThat(model.getDefaultOptions()).isEqualTo(defaults);
        RasdSpringAiChatOptions changed =
                defaults.mutate().maxTokens(3).mode(DecodingMode.AR).build();
        assertThat(changed.getMaxTokens()).isEqualTo(3);
        assertThat(model.getOptions().getMaxTokens()).isEqualTo(DemoModels.MAX_TOKENS);
        assertThat(model.getOptions().getMode()).isEqualTo(DecodingMode.PLD);

        // unset: greedy, up to the context window, the fullest mode of an engine with a draft model and a datastore
        RasdSpringAiChatOptions unset =
                RasdSpringAiChatModel.builder().engine(engine).build().getOptions();
        assertThat(unset.getMode()).isEqualTo(DecodingMode.RASD);
        assertThat(unset.getTemperature()).isNull();
        assertThat(unset.getMaxTokens()).isNull();

        RasdSpringAiChatModel named = RasdSpringAiChatModel.builder()
                .engine(engine)
                .modelName("tiny")
                .defaultOptions(ChatOptions.builder().temperature(0.0).build())
                .build();
        assertThat(named.getOptions().getModel()).isEqualTo("tiny");
        assertThat(named.getOptions().getTemperature()).isEqualTo(0.0);
        assertThat(named.call(new Prompt(
                                QUESTION, ChatOptions.builder().maxTokens(2).build()))
                        .getMetadata()
                        .getModel())
                .isEqualTo("tiny");
    }

    @Test
    void samplingFollowsTheSeedAndSpeculationDoesNotChangeTheSampledText() {
        RasdSpringAiChatOptions seeded = RasdSpringAiChatOptions.builder()
                .temperature(0.9)
                .topK(40)
                .topP(0.95)
                .seed(7L)
                .maxTokens(12)
                .build();
        String a = text(ask(seeded));
        assertThat(text(ask(seeded))).isEqualTo(a);
        assertThat(text(ask(seeded.mutate().mode(DecodingMode.AR).build()))).isEqualTo(a);
        List<String> others = new ArrayList<>();
        for (long seed = 8; seed < 11; seed++) {
            others.add(text(ask(seeded.mutate().seed(seed).build())));
        }
        assertThat(others).anySatisfy(o -> assertThat(o).isNotEqualTo(a));
    }

    @Test
    void speculationKnobsApplyPerRequestWithoutChangingTheText() {
        ChatResponse r = ask(RasdSpringAiChatOptions.builder()
                .mode(DecodingMode.RASD)
                .maxTokens(12)
                .adaptive(false)
                .treeBudget(4)
                .draftDepth(2)
                .draftTopK(2)
                .draftBudget(4)
                .pruneTopK(4)
                .retrievalBudget(4)
                .build());
        assertThat(text(r)).isEqualTo(plainAnswer(12).text());
    }

    @Test
    void everyBadValueIsRejectedWithTheNameOfItsOption() {
        assertBad(ChatOptions.builder().temperature(-1.0).build(), "temperature");
        assertBad(ChatOptions.builder().temperature(Double.NaN).build(), "temperature");
        assertBad(ChatOptions.builder().temperature(0.5).topP(1.5).build(), "topP");
        assertBad(ChatOptions.builder().topP(0.0).build(), "topP");
        assertBad(ChatOptions.builder().topK(-1).build(), "topK");
        assertBad(RasdSpringAiChatOptions.builder().timeout(Duration.ZERO).build(), "timeout");
        assertBad(ChatOptions.builder().maxTokens(0).build(), "maxTokens");
        assertBad(ChatOptions.builder().stopSequences(List.of("")).build(), "stopSequences");
        assertBad(RasdSpringAiChatOptions.builder().treeBudget(100000).build(), "treeBudget");
        assertBad(RasdSpringAiChatOptions.builder().draftDepth(0).build(), "draftDepth");
        assertThatThrownBy(() -> ask(ChatOptions.builder().model("gpt-4o").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model")
                .hasMessageContaining("gpt-4o")
                .hasMessageContaining("demo-target");
        assertThatThrownBy(() -> RasdSpringAiChatOptions.builder().mode("fast"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mode")
                .hasMessageContaining("fast");
        // invalid defaults fail when the model is built, not at the first request
        assertThatThrownBy(() -> RasdSpringAiChatModel.builder()
                        .engine(engine)
                        .defaultOptions(ChatOptions.builder().temperature(-0.5).build())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> RasdSpringAiChatModel.builder().build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("engine");
        assertThatThrownBy(() -> model.call(new Prompt(List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no messages");
    }

    private static void assertBad(ChatOptions options, String name) {
        assertThatThrownBy(() -> ask(options))
                .as(name)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name);
    }

    @Test
    void emptyOrWhitespaceUserMessagesAreRefusedNamingTheMessage() {
        // the same rule as the LangChain4j adapter's (ChatPromptEncoder): the model would answer a bare template
        assertThatThrownBy(() -> model.call(new Prompt(List.of(new UserMessage("")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("messages[0] (user) is empty");
        assertThatThrownBy(() -> model.call(new Prompt(List.<Message>of(
                        new SystemMessage("Be brief."),
                        new UserMessage(QUESTION),
                        new AssistantMessage("Use a loop."),
                        new UserMessage(" \n\t ")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("messages[3] (user) is whitespace only");
        assertThatThrownBy(() ->
                        model.stream(new Prompt(List.of(new UserMessage("  ")))).blockLast())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("messages[0] (user) is whitespace only");
    }

    @Test
    void aConversationLongerThanTheContextWindowIsAClearError() {
        String huge = "word ".repeat(engine.target().contextLimit() + 10);
        assertThatThrownBy(() -> model.call(huge))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("context window")
                .hasMessageContaining(String.valueOf(engine.target().contextLimit()));
    }

    @Test
    void aModeTheEngineCannotRunIsAClearError() {
        try (RasdEngine noDraft = RasdEngine.builder()
                .target(DemoModels.TARGET)
                .tokenizer(DemoModels.TOKENIZER)
                .build()) {
            RasdSpringAiChatModel m =
                    RasdSpringAiChatModel.builder().engine(noDraft).build();
            assertThat(m.getOptions().getMode()).isEqualTo(DecodingMode.PLD);
            assertThatThrownBy(() -> m.call(new Prompt(
                            QUESTION,
                            RasdSpringAiChatOptions.builder()
                                    .mode(DecodingMode.RASD)
                                    .build())))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("mode \"rasd\"")
                    .hasMessageContaining("draft model");
            assertThatThrownBy(() -> RasdSpringAiChatModel.builder()
                            .engine(noDraft)
                            .defaultOptions(RasdSpringAiChatOptions.builder()
                                    .mode(DecodingMode.DATASTORE)
                                    .build())
                            .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("datastore");
        }
    }

    static ToolCallback weatherTool() {
        ToolDefinition definition = ToolDefinition.builder()
                .name("weather")
                .description("The weather in a city")
                .inputSchema("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}")
                .build();
        return new ToolCallback() {
            @Override
            public ToolDefinition getToolDefinition() {
                return definition;
            }

            @Override
            public String call(String toolInput) {
                return "sunny";
            }
        };
    }

    @Test
    void toolsOnATemplateWithoutThemMediaAndPenaltiesAreUnsupported() {
        // the demo model's template never reads `tools`
        assertUnsupported(
                new Prompt(
                        QUESTION,
                        ToolCallingChatOptions.builder()
                                .toolCallbacks(weatherTool())
                                .build()),
                "does not support tools",
                "demo-target");
        assertUnsupported(
                new Prompt(
                        QUESTION,
                        RasdSpringAiChatOptions.builder()
                                .toolCallbacks(weatherTool())
                                .build()),
                "does not support tools");
        AssistantMessage.ToolCall call = new AssistantMessage.ToolCall("1", "function", "weather", "{}");
        // nor renders tool calls or results: they would vanish from the prompt
        assertThatThrownBy(() -> model.call(new Prompt(List.of(
                        new UserMessage(QUESTION),
                        AssistantMessage.builder()
                                .content("")
                                .toolCalls(List.of(call))
                                .build(),
                        ToolResponseMessage.builder()
                                .responses(List.of(new ToolResponseMessage.ToolResponse("1", "weather", "sunny")))
                                .build()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not render tool calls or tool results");
        Media image = Media.builder()
                .mimeType(MimeTypeUtils.IMAGE_PNG)
                .data(java.net.URI.create("http://x/y.png"))
                .build();
        assertUnsupported(
                new Prompt(
                        UserMessage.builder().text("what is this?").media(image).build()),
                "media",
                "image/png");
        assertUnsupported(
                new Prompt(QUESTION, ChatOptions.builder().frequencyPenalty(0.5).build()), "frequencyPenalty");
        assertUnsupported(
                new Prompt(QUESTION, ChatOptions.builder().presencePenalty(1.0).build()), "presencePenalty");
        // a zero penalty is the same as none
        assertThat(model.call(new Prompt(
                                QUESTION,
                                ChatOptions.builder()
                                        .presencePenalty(0.0)
                                        .frequencyPenalty(0.0)
                                        .maxTokens(2)
                                        .build()))
                        .getMetadata()
                        .getUsage()
                        .getCompletionTokens())
                .isEqualTo(2);
    }

    private static void assertUnsupported(Prompt prompt, String... named) {
        assertThatThrownBy(() -> model.call(prompt))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContainingAll(named);
    }

    @Test
    void oneModelServesConcurrentCallersWithTheirOwnAnswers() throws Exception {
        List<String> questions = List.of(QUESTION, "What is a tuple?", "How do I sort a dict?");
        List<String> alone = new ArrayList<>();
        for (String q : questions) {
            alone.add(model.call(q));
        }
        List<CompletableFuture<String>> together = new ArrayList<>();
        for (String q : questions) {
            together.add(CompletableFuture.supplyAsync(() -> model.call(q)));
        }
        for (int i = 0; i < together.size(); i++) {
            assertThat(together.get(i).get(120, TimeUnit.SECONDS)).isEqualTo(alone.get(i));
        }
    }
}
