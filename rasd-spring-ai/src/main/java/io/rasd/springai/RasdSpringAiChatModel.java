package io.rasd.springai;

import io.rasd.RasdException;
import io.rasd.engine.Cancellation;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.FinishReason;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.GenerationStats;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.text.ChatPromptEncoder;
import io.rasd.text.ChatTemplate;
import io.rasd.text.ChatTemplateRequest;
import io.rasd.text.ToolCall;
import io.rasd.text.tools.ModelReply;
import io.rasd.text.tools.ToolCallFormat;
import io.rasd.text.tools.ToolCallStream;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.model.StreamingChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.content.MediaContent;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.util.CustomizableThreadCreator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A Spring AI {@link ChatModel} and {@link StreamingChatModel} that generates with a {@link RasdEngine}: the text
 * plain decoding of the model gives, faster where drafting and retrieval pay.
 *
 * <pre>{@code
 * ChatModel model = RasdSpringAiChatModel.builder().engine(engine)
 *         .defaultOptions(RasdSpringAiChatOptions.builder().maxTokens(256).build()).build();
 * String answer = ChatClient.create(model).prompt().user("What does a list comprehension do?").call().content();
 * }</pre>
 *
 * <p>Options: each prompt's options are laid over the defaults ({@code defaults.mutate().combineWith(...)}, Spring
 * AI's rule: the prompt's non-null values win, stop sequences add up). Any {@link ChatOptions} is accepted;
 * {@link RasdSpringAiChatOptions} also carries the mode, seed and speculation knobs. {@code temperature} 0 or unset
 * is greedy decoding; {@code maxTokens} unset means up to the context window; {@code model}, when set, must name this
 * model. Bad values fail with {@link IllegalArgumentException} naming the option, and so does a conversation without
 * messages, with an empty or whitespace-only user message or longer than the context window, and an
 * {@code outputSchema} constrained decoding cannot follow (native structured output: see {@link OutputSchemas});
 * media and non-zero penalties with {@link UnsupportedOperationException}. A full engine throws its
 * {@link io.rasd.engine.RasdBusyException} (nothing was generated; retrying later is safe); a call past its
 * {@link RasdSpringAiChatOptions#getTimeout() timeout} throws {@link io.rasd.engine.RasdTimeoutException}, whose
 * partial result holds what was generated (a stream delivers it as chunks first, then the error). Spring AI has no
 * timeout exception of its own, and its retry would run a slow generation again, so the engine's is passed on.
 *
 * <p>Tools: the options' {@link ToolCallback}s reach the chat template as its {@code tools} (their definitions' JSON
 * schemas), and the answer is read for tool calls in the format the template teaches ({@link ToolCallFormat},
 * detected, or set with {@link Builder#toolCallFormat}): calls become {@link AssistantMessage.ToolCall}s with finish
 * reason {@code "TOOL_CALLS"}; a call that does not parse stays text. As every Spring AI 2.0 model, this one does not
 * run the tools: {@code ChatClient}'s {@code ToolCallingAdvisor} does, and sends the assistant's tool calls and the
 * {@link ToolResponseMessage}s back, which go through the template as tool calls and {@code tool} messages. A template
 * that does not render tools refuses them with {@link UnsupportedOperationException} naming the model and template.
 *
 * <p>Responses: one {@link Generation} whose finish reason is {@code "STOP"} (end of sequence or a stop sequence) or
 * {@code "LENGTH"} (token budget or context window), as Spring AI's OpenAI model names them; {@link DefaultUsage}
 * with the prompt's tokens after the chat template and the generated tokens (an end-of-sequence token included);
 * and what speculation did under the {@code METADATA_*} keys.
 *
 * <p>Streaming: each chunk carries the text the engine committed since the previous one, in whole characters and
 * never (the start of) a stop sequence; a last chunk with empty text carries the finish reason, usage and statistics,
 * and the tool calls when there are any (text that may start a call is held back until it is known not to).
 * The generation runs on the model's executor; cancelling the subscription stops it within one decoding step and
 * frees its engine slot. Each subscription generates anew.
 *
 * <p>Thread-safe: one instance may serve any number of callers, who share the engine's slots and queue.
 */
public class RasdSpringAiChatModel implements ChatModel, StreamingChatModel {

    /** {@link ChatResponseMetadata} key: the decoding mode's CLI name ({@code String}), e.g. {@code "rasd"}. */
    public static final String METADATA_MODE = "mode";
    /** {@link ChatResponseMetadata} key: tokens committed per target forward, τ ({@code Double}); 1 for plain decoding. */
    public static final String METADATA_MEAN_ACCEPTED_TOKENS = "meanAcceptedTokens";
    /** {@link ChatResponseMetadata} key: generated tokens per second of decoding, prefill excluded ({@code Double}). */
    public static final String METADATA_TOKENS_PER_SECOND = "tokensPerSecond";
    /** {@link ChatResponseMetadata} key: target forward passes after the prompt ({@code Integer}). */
    public static final String METADATA_TARGET_FORWARDS = "targetForwards";
    /**
     * {@link ChatResponseMetadata} key: committed tokens by proposer ({@code Map<String, Integer>} keyed by
     * {@link TokenOrigin#wireName()}: {@code bonus}, {@code draft}, {@code pld}, {@code datastore}).
     */
    public static final String METADATA_ACCEPTED_TOKENS = "acceptedTokens";
    /** {@link ChatResponseMetadata} key: everything the engine measured ({@link GenerationStats}). */
    public static final String METADATA_STATS = "stats";

    private final RasdEngine engine;
    private final ChatTemplate chatTemplate;
    private final RasdSpringAiChatOptions defaultOptions;
    private final Executor executor;
    private final ChatPromptEncoder promptEncoder;
    /** The tool-call format set by the builder; null: detected from the template when tools are offered. */
    private final ToolCallFormat toolCallFormat;

    private final OutputSchemas outputSchemas = new OutputSchemas();

    protected RasdSpringAiChatModel(Builder builder) {
        this.toolCallFormat = builder.toolCallFormat;
        this.engine = Objects.requireNonNull(builder.engine, "engine: build the chat model with .engine(RasdEngine)");
        this.chatTemplate = builder.chatTemplate != null
                ? builder.chatTemplate
                : ChatTemplate.load(engine.target().directory());
        this.executor = builder.executor != null ? builder.executor : GenerationThreads.POOL;
        RasdSpringAiChatOptions given = builder.defaultOptions == null
                ? RasdSpringAiChatOptions.builder().build()
                : RasdSpringAiChatOptions.from(builder.defaultOptions);
        String name = builder.modelName != null
                ? builder.modelName
                : given.getModel() != null
                        ? given.getModel()
                        : engine.target().directory().getFileName().toString();
        this.defaultOptions = given.mutate()
                .model(name)
                .mode(given.getMode() != null ? given.getMode() : engine.defaultMode())
                .build();
        // fail at construction, not at the first request, when the defaults themselves are invalid
        settings(defaultOptions);
        outputSchemas.grammar(defaultOptions.getOutputSchema());
        this.promptEncoder = new ChatPromptEncoder(
                chatTemplate, engine.tokenizer(), engine.target().contextLimit(), modelName());
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default home of streaming generations, shared by all models: daemon threads, reused because the first
     * forwards on a new thread are slow (measured on the demo models: a fresh thread per stream made each streaming
     * test take 12-17 s, reused threads under 1 s), unbounded in number because the engine admits at most its slots
     * plus its queue and refuses the rest at once.
     */
    private static final class GenerationThreads {
        static final ExecutorService POOL;

        static {
            CustomizableThreadCreator threads = new CustomizableThreadCreator("rasd-spring-ai-");
            threads.setDaemon(true);
            POOL = Executors.newCachedThreadPool(threads::createThread);
        }
    }

    public RasdEngine engine() {
        return engine;
    }

    /** The name this model answers to (default: the target model's directory name, e.g. {@code demo-target}). */
    public String modelName() {
        return defaultOptions.getModel();
    }

    /** The defaults every prompt's options are laid over (immutable; {@code mutate()} to derive others). */
    @Override
    public RasdSpringAiChatOptions getOptions() {
        return defaultOptions;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        Prepared prepared = toRequest(prompt);
        GenerationRequest request = prepared.generation();
        GenerationResult result = generate(request, GenerationListener.NONE, new Cancellation());
        ModelReply reply = prepared.toolCallFormat() == null
                ? new ModelReply(result.text(), List.of())
                : ToolCallStream.parse(prepared.toolCallFormat(), result.text());
        return finalResponse(newId(), result, request.mode(), reply.text(), reply.toolCalls());
    }

    /**
     * Runs one generation on the engine: the one place this model generates, so that a subclass may wrap it.
     */
    protected GenerationResult generate(
            GenerationRequest request, GenerationListener listener, Cancellation cancellation) {
        return engine.generate(request, listener, cancellation);
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.create(sink -> {
            Cancellation cancellation = new Cancellation();
            sink.onDispose(cancellation::cancel); // a cancelled subscription frees the engine slot at once
            try {
                executor.execute(() -> generate(prompt, sink, cancellation));
            } catch (RuntimeException e) { // a rejecting executor
                sink.error(e);
            }
        });
    }

    private void generate(Prompt prompt, FluxSink<ChatResponse> sink, Cancellation cancellation) {
        if (cancellation.isCancelled()) {
            return;
        }
        String id = newId();
        try {
            Prepared prepared = toRequest(prompt);
            GenerationRequest request = prepared.generation();
            // with tools offered, the text is read for calls as it streams: text is shown, a call is held back whole
            ToolCallStream toolCalls =
                    prepared.toolCallFormat() == null ? null : new ToolCallStream(prepared.toolCallFormat());
            GenerationResult result = generate(
                    request,
                    (tokens, origins, text) -> {
                        String shown = toolCalls == null ? text : toolCalls.push(text);
                        if (!shown.isEmpty() && !cancellation.isCancelled()) {
                            sink.next(chunk(id, shown));
                        }
                    },
                    cancellation);
            if (result.finishReason() != FinishReason.CANCELLED && !cancellation.isCancelled()) {
                String tail = toolCalls == null ? "" : toolCalls.finish();
                List<ToolCall> calls =
                        toolCalls == null ? List.of() : toolCalls.reply().toolCalls();
                sink.next(finalResponse(id, result, request.mode(), tail, calls));
                sink.complete();
            }
        } catch (RuntimeException e) {
            if (!cancellation.isCancelled()) {
                sink.error(e);
            }
        } catch (Error e) {
            sink.error(e); // the subscriber hears of it; the executor's thread still sees the error
            throw e;
        }
    }

    private ChatResponse chunk(String id, String text) {
        return new ChatResponse(
                List.of(new Generation(new AssistantMessage(text))),
                ChatResponseMetadata.builder().id(id).model(modelName()).build());
    }

    private ChatResponse finalResponse(
            String id, GenerationResult result, DecodingMode mode, String text, List<ToolCall> toolCalls) {
        GenerationStats stats = result.stats();
        Map<String, Integer> accepted = new LinkedHashMap<>();
        for (TokenOrigin origin : TokenOrigin.values()) {
            accepted.put(origin.wireName(), stats.accepted(origin));
        }
        ChatResponseMetadata metadata = ChatResponseMetadata.builder()
                .id(id)
                .model(modelName())
                .usage(new DefaultUsage(stats.promptTokens(), result.tokens().length))
                .keyValue(METADATA_MODE, mode.cliName())
                .keyValue(METADATA_MEAN_ACCEPTED_TOKENS, stats.meanAccepted())
                .keyValue(METADATA_TOKENS_PER_SECOND, stats.tokensPerSecond())
                .keyValue(METADATA_TARGET_FORWARDS, stats.targetForwards())
                .keyValue(METADATA_ACCEPTED_TOKENS, Collections.unmodifiableMap(accepted))
                .keyValue(METADATA_STATS, stats)
                .build();
        // "STOP" / "LENGTH" / "TOOL_CALLS": the names Spring AI's OpenAI model reports (CANCELLED never reaches a
        // response)
        ChatGenerationMetadata generation = ChatGenerationMetadata.builder()
                .finishReason(toolCalls.isEmpty() ? result.finishReason().name() : "TOOL_CALLS")
                .build();
        AssistantMessage message = AssistantMessage.builder()
                .content(text)
                .toolCalls(toolCalls.stream()
                        .map(c -> new AssistantMessage.ToolCall(c.id(), "function", c.name(), c.argumentsJson()))
                        .toList())
                .build();
        return new ChatResponse(List.of(new Generation(message, generation)), metadata);
    }

    private static String newId() {
        return "rasd-" + UUID.randomUUID();
    }

    /** What the options ask of the engine, checked. */
    private record Settings(
            DecodingMode mode, SamplingParams sampling, List<String> stopStrings, SpeculationConfig speculation) {}

    /**
     * A request ready for the engine, and how to read its answer.
     *
     * @param toolCallFormat the format to read tool calls in; null when no tools were offered (the answer is text)
     */
    private record Prepared(GenerationRequest generation, ToolCallFormat toolCallFormat) {}

    /** The prompt's options over the defaults and its conversation through the chat template; throws on bad input. */
    private Prepared toRequest(Prompt prompt) {
        Objects.requireNonNull(prompt, "prompt");
        RasdSpringAiChatOptions options = merge(prompt.getOptions());
        Settings settings = settings(options);
        ToolCallFormat format = null;
        List<Map<String, Object>> tools = null;
        List<ToolCallback> callbacks = options.getToolCallbacks();
        if (callbacks != null && !callbacks.isEmpty()) {
            try {
                format = ToolCallFormat.resolve(chatTemplate, toolCallFormat, modelName());
            } catch (RasdException e) {
                throw new UnsupportedOperationException(e.getMessage(), e);
            }
            tools = SpringAiTools.toTemplateTools(callbacks);
        }
        ChatPromptEncoder.Prompt encoded = encode(prompt.getInstructions(), tools);
        int maxNew = options.getMaxTokens() == null ? encoded.room() : options.getMaxTokens();
        return new Prepared(
                new GenerationRequest(
                        encoded.tokens(),
                        maxNew,
                        settings.mode(),
                        settings.sampling(),
                        options.getSeed(),
                        settings.stopStrings(),
                        settings.speculation(),
                        List.of(),
                        outputSchemas.grammar(options.getOutputSchema()),
                        options.getTimeout()),
                format);
    }

    private RasdSpringAiChatOptions merge(ChatOptions runtime) {
        if (runtime == null) {
            return defaultOptions;
        }
        return defaultOptions
                .mutate()
                .combineWith(RasdSpringAiChatOptions.from(runtime).mutate())
                .build();
    }

    private Settings settings(RasdSpringAiChatOptions o) {
        checkSupported(o);
        if (o.getModel() != null && !o.getModel().equals(modelName())) {
            throw new IllegalArgumentException("model \"" + o.getModel() + "\" is not served here: this chat model"
                    + " runs \"" + modelName() + "\" (" + engine.target().directory() + ")");
        }
        if (o.getMaxTokens() != null && o.getMaxTokens() < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + o.getMaxTokens());
        }
        Duration timeout = o.getTimeout();
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive (or unset for no limit), got " + timeout);
        }
        DecodingMode mode = o.getMode() != null ? o.getMode() : engine.defaultMode();
        try {
            engine.checkMode(mode);
        } catch (RasdException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new Settings(mode, sampling(o), stopStrings(o.getStopSequences()), speculation(o));
    }

    private static void checkSupported(RasdSpringAiChatOptions o) {
        if (o.getFrequencyPenalty() != null && o.getFrequencyPenalty() != 0) {
            throw new UnsupportedOperationException("rasd does not support frequencyPenalty (got "
                    + o.getFrequencyPenalty() + "): a penalty would change the target distribution speculation"
                    + " verifies against");
        }
        if (o.getPresencePenalty() != null && o.getPresencePenalty() != 0) {
            throw new UnsupportedOperationException("rasd does not support presencePenalty (got "
                    + o.getPresencePenalty() + "): a penalty would change the target distribution speculation"
                    + " verifies against");
        }
    }

    private static SamplingParams sampling(RasdSpringAiChatOptions o) {
        Double temperature = o.getTemperature();
        Integer topK = o.getTopK();
        Double topP = o.getTopP();
        if (temperature != null && !(Double.isFinite(temperature) && temperature >= 0)) {
            throw new IllegalArgumentException(
                    "temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        }
        if (topK != null && topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
        }
        if (topP != null && !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (temperature == null || temperature == 0) {
            return SamplingParams.GREEDY;
        }
        return new SamplingParams(temperature, topK == null ? 0 : topK, topP == null ? 1 : topP);
    }

    /** Without duplicates: merged options may name one twice (Spring AI's combineWith adds stop sequences up). */
    private static List<String> stopStrings(List<String> stopSequences) {
        if (stopSequences == null) {
            return List.of();
        }
        for (String s : stopSequences) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException(
                        "stopSequences must not contain null or empty strings, got " + stopSequences);
            }
        }
        return List.copyOf(new LinkedHashSet<>(stopSequences));
    }

    /** The engine's speculation settings with these options' knobs applied; null when they set none. */
    private SpeculationConfig speculation(RasdSpringAiChatOptions o) {
        if (o.getSpeculation().isEmpty()) {
            return null;
        }
        try {
            return o.getSpeculation().applyTo(engine.speculation());
        } catch (RasdException e) {
            throw new IllegalArgumentException("Invalid speculation option " + e.getMessage(), e);
        }
    }

    /**
     * The conversation through the model's chat template, ending with the assistant's turn, as token ids: checked and
     * encoded by {@link ChatPromptEncoder} (no messages, an empty user message, a prompt that fills the context
     * window: {@link IllegalArgumentException}).
     */
    private ChatPromptEncoder.Prompt encode(List<Message> messages, List<Map<String, Object>> tools) {
        List<io.rasd.text.ChatMessage> conversation = messages == null ? List.of() : toTemplateMessages(messages);
        try {
            ChatPromptEncoder.check(conversation); // before the request is built: no messages is bad input
            return promptEncoder.encode(
                    ChatTemplateRequest.of(conversation, true).withTools(tools));
        } catch (RasdException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    static List<io.rasd.text.ChatMessage> toTemplateMessages(List<Message> messages) {
        List<io.rasd.text.ChatMessage> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            if (m instanceof MediaContent content && !content.getMedia().isEmpty()) {
                List<String> types = content.getMedia().stream()
                        .map(Media::getMimeType)
                        .map(String::valueOf)
                        .toList();
                throw new UnsupportedOperationException("rasd runs text-only models; the conversation contains a "
                        + m.getMessageType().getValue() + " message with media " + types);
            }
            String text = m.getText() == null ? "" : m.getText();
            switch (m.getMessageType()) {
                case SYSTEM -> out.add(io.rasd.text.ChatMessage.system(text));
                case USER -> out.add(io.rasd.text.ChatMessage.user(text));
                case ASSISTANT -> {
                    if (m instanceof AssistantMessage a && a.hasToolCalls()) {
                        // content "" rather than None: Qwen3's template tests '</think>' in message.content
                        out.add(io.rasd.text.ChatMessage.assistantToolCalls(
                                text, SpringAiTools.toToolCalls(a.getToolCalls())));
                    } else {
                        out.add(io.rasd.text.ChatMessage.assistant(text));
                    }
                }
                case TOOL -> {
                    if (!(m instanceof ToolResponseMessage r)) {
                        throw new IllegalArgumentException("a TOOL message must be a ToolResponseMessage, got "
                                + m.getClass().getName());
                    }
                    for (ToolResponseMessage.ToolResponse response : r.getResponses()) {
                        out.add(io.rasd.text.ChatMessage.toolResult(
                                response.id(),
                                response.name(),
                                response.responseData() == null ? "" : response.responseData()));
                    }
                }
            }
        }
        return out;
    }

    public static class Builder {

        private RasdEngine engine;
        private ChatTemplate chatTemplate;
        private ChatOptions defaultOptions;
        private String modelName;
        private Executor executor;
        private ToolCallFormat toolCallFormat;

        protected Builder() {}

        /**
         * How the model writes tool calls; default: detected from the chat template when a prompt offers tools
         * ({@link ToolCallFormat#detect}).
         */
        public Builder toolCallFormat(ToolCallFormat format) {
            this.toolCallFormat = format;
            return this;
        }

        /** The engine that generates (required). The chat model does not close it. */
        public Builder engine(RasdEngine engine) {
            this.engine = engine;
            return this;
        }

        /** Overrides the chat template of the target model's directory (ChatML when it has none). */
        public Builder chatTemplate(ChatTemplate chatTemplate) {
            this.chatTemplate = chatTemplate;
            return this;
        }

        /**
         * Defaults every prompt's options are laid over: any {@link ChatOptions}, a {@link RasdSpringAiChatOptions}
         * with rasd's own. Unset: greedy, up to the context window, the fullest mode the engine can run.
         */
        public Builder defaultOptions(ChatOptions options) {
            this.defaultOptions = options;
            return this;
        }

        /** The name reported in responses and accepted in options; default: the target model's directory name. */
        public Builder modelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        /** Where streaming generations run; default: a shared pool of daemon threads. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        public RasdSpringAiChatModel build() {
            return new RasdSpringAiChatModel(this);
        }
    }
}
