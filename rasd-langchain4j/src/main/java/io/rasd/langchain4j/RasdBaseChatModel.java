package io.rasd.langchain4j;

import static dev.langchain4j.internal.Utils.getOrDefault;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import io.rasd.engine.Cancellation;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdBusyException;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.RasdTimeoutException;
import io.rasd.engine.Reservation;
import io.rasd.engine.SpeculationConfig;
import io.rasd.text.ChatPromptEncoder;
import io.rasd.text.ChatTemplate;
import io.rasd.text.ChatTemplateRequest;
import io.rasd.text.tools.ModelReply;
import io.rasd.text.tools.ToolCallFormat;
import io.rasd.text.tools.ToolCallStream;
import io.rasd.verify.SamplingParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * What {@link RasdChatModel} and {@link RasdStreamingChatModel} share: the engine, the chat template, the defaults,
 * and the translation of a LangChain4j {@link ChatRequest} into a {@link GenerationRequest} and of the result back
 * into a {@link ChatResponse}.
 *
 * <p>Parameters: {@code modelName} (must be this model's name), {@code temperature} (0 or unset: greedy, the output
 * plain greedy decoding gives), {@code topK}, {@code topP}, {@code maxOutputTokens} (unset: up to the context window),
 * {@code stopSequences} (matched on the text, across token boundaries) and rasd's own {@link RasdChatRequestParameters}.
 *
 * <p>Tools: {@code toolSpecifications} reach the chat template as its {@code tools} (JSON schemas), and the answer is
 * read for tool calls in the format the template teaches ({@link ToolCallFormat}, detected, or set with
 * {@link Builder#toolCallFormat}): calls become {@link ToolExecutionRequest}s (finish reason
 * {@link FinishReason#TOOL_EXECUTION}); a call that does not parse stays text. Earlier tool requests and
 * {@link ToolExecutionResultMessage}s go back through the template as the assistant's tool calls and {@code tool}
 * messages. A template that does not render tools refuses them ({@link UnsupportedFeatureException}), and so does
 * {@link ToolChoice#REQUIRED} (nothing forces the model to call); {@link ToolChoice#NONE} leaves the tools out.
 *
 * <p>{@code responseFormat} JSON (with or without a schema) constrains the output to that JSON (see
 * {@link ResponseFormats}). Non-zero penalties and non-text content fail with {@link UnsupportedFeatureException}.
 */
public abstract class RasdBaseChatModel {

    protected final RasdEngine engine;
    protected final ChatTemplate chatTemplate;
    protected final RasdChatRequestParameters defaultRequestParameters;
    protected final List<ChatModelListener> listeners;
    protected final RasdRetrievalBoost retrievalBoost;
    private final ChatPromptEncoder promptEncoder;
    /** The tool-call format set by the builder; null: detected from the template when tools are offered. */
    private final ToolCallFormat toolCallFormat;

    private final ResponseFormats responseFormats = new ResponseFormats();

    protected RasdBaseChatModel(Builder<?, ?> builder) {
        this.retrievalBoost = builder.retrievalBoost;
        this.toolCallFormat = builder.toolCallFormat;
        this.engine = Objects.requireNonNull(builder.engine, "engine: build the chat model with .engine(RasdEngine)");
        this.chatTemplate = builder.chatTemplate != null
                ? builder.chatTemplate
                : ChatTemplate.load(engine.target().directory());
        this.listeners = builder.listeners == null ? List.of() : List.copyOf(builder.listeners);

        ChatRequestParameters common = getOrDefault(
                builder.defaultRequestParameters,
                RasdChatRequestParameters.builder().build());
        RasdChatRequestParameters commonRasd =
                RasdChatRequestParameters.builder().overrideWith(common).build();
        this.defaultRequestParameters = RasdChatRequestParameters.builder()
                .overrideWith(commonRasd)
                .modelName(getOrDefault(builder.modelName, getOrDefault(common.modelName(), defaultModelName(engine))))
                .temperature(getOrDefault(builder.temperature, common.temperature()))
                .topP(getOrDefault(builder.topP, common.topP()))
                .topK(getOrDefault(builder.topK, common.topK()))
                .maxOutputTokens(getOrDefault(builder.maxOutputTokens, common.maxOutputTokens()))
                .stopSequences(getOrDefault(builder.stopSequences, common.stopSequences()))
                .mode(getOrDefault(builder.mode, getOrDefault(commonRasd.mode(), engine.defaultMode())))
                .seed(getOrDefault(builder.seed, commonRasd.seed()))
                .timeout(getOrDefault(builder.timeout, commonRasd.timeout()))
                .build();
        // fail at construction, not at the first request, when the defaults themselves are invalid
        checkSupported(defaultRequestParameters);
        sampling(defaultRequestParameters);
        checkMode(defaultRequestParameters.mode());
        speculation(defaultRequestParameters);
        checkMaxOutputTokens(defaultRequestParameters.maxOutputTokens());
        responseFormats.grammar(defaultRequestParameters.responseFormat());
        checkTimeout(defaultRequestParameters.timeout());
        this.promptEncoder = new ChatPromptEncoder(
                chatTemplate, engine.tokenizer(), engine.target().contextLimit(), modelName());
    }

    /** The target model's directory name, e.g. {@code demo-target}. */
    static String defaultModelName(RasdEngine engine) {
        return engine.target().directory().getFileName().toString();
    }

    public RasdEngine engine() {
        return engine;
    }

    public RasdChatRequestParameters defaultRequestParameters() {
        return defaultRequestParameters;
    }

    public List<ChatModelListener> listeners() {
        return listeners;
    }

    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /**
     * JSON-schema response formats, by constrained decoding: AiServices then sends the schema of a POJO-returning
     * method's type instead of format instructions in the prompt.
     */
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** The name this model answers to: requests naming another model fail with {@link ModelNotFoundException}. */
    public String modelName() {
        return defaultRequestParameters.modelName();
    }

    /**
     * A request ready for the engine, and how to read its answer.
     *
     * @param toolCallFormat the format to read tool calls in; null when no tools were offered (the answer is text)
     */
    protected record Prepared(GenerationRequest generation, ToolCallFormat toolCallFormat) {}

    /** The request (already merged with the defaults by LangChain4j) as an engine request; throws on bad input. */
    protected Prepared prepare(ChatRequest request) {
        // taken first: a request that fails validation must not leave its segments to the next one
        List<String> boosted = retrievalBoost == null ? List.of() : retrievalBoost.take();
        RasdChatRequestParameters p = request.parameters() instanceof RasdChatRequestParameters rp
                ? rp
                : defaultRequestParameters.overrideWith(request.parameters());
        checkSupported(p);
        if (p.modelName() != null && !p.modelName().equals(modelName())) {
            throw new ModelNotFoundException("Model \"" + p.modelName() + "\" is not served here: this chat model"
                    + " runs \"" + modelName() + "\" (" + engine.target().directory() + ")");
        }
        SamplingParams sampling = sampling(p);
        DecodingMode mode = p.mode() != null ? p.mode() : engine.defaultMode();
        checkMode(mode);
        checkMaxOutputTokens(p.maxOutputTokens());
        checkTimeout(p.timeout());
        List<String> stops = checkStopSequences(p.stopSequences());
        ToolCallFormat format = null;
        List<Map<String, Object>> tools = null;
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty() && p.toolChoice() != ToolChoice.NONE) {
            try {
                format = ToolCallFormat.resolve(chatTemplate, toolCallFormat, modelName());
            } catch (RasdException e) {
                throw new UnsupportedFeatureException(e.getMessage());
            }
            tools = LangChain4jTools.toTemplateTools(p.toolSpecifications());
        }
        ChatPromptEncoder.Prompt prompt = encodePrompt(request.messages(), tools);
        int maxNew = p.maxOutputTokens() == null ? prompt.room() : p.maxOutputTokens();
        List<int[]> references = new ArrayList<>();
        if (mode.usesDatastore()) { // only the datastore modes propose from references
            for (String text : boosted) {
                references.add(engine.tokenizer().encode(text, false));
            }
        }
        Grammar constraint = responseFormats.grammar(p.responseFormat());
        return new Prepared(
                new GenerationRequest(
                        prompt.tokens(),
                        maxNew,
                        mode,
                        sampling,
                        p.seed(),
                        stops,
                        speculation(p),
                        references,
                        constraint,
                        p.timeout()),
                format);
    }

    /** The conversation through the model's chat template, ending with the assistant's turn, as token ids. */
    protected int[] encode(List<ChatMessage> messages) {
        return encodePrompt(messages, null).tokens();
    }

    /**
     * Runs one generation on the engine (on {@code reservation}'s place when not null): the one place the chat models
     * generate, so that a subclass may wrap it.
     */
    protected GenerationResult generate(
            GenerationRequest request,
            GenerationListener listener,
            Cancellation cancellation,
            Reservation reservation) {
        return reservation == null
                ? engine.generate(request, listener, cancellation)
                : engine.generate(request, listener, cancellation, reservation);
    }

    /**
     * The conversation checked and encoded by {@link ChatPromptEncoder} (no messages, an empty user message, a prompt
     * that fills the context window: {@link InvalidRequestException}).
     */
    private ChatPromptEncoder.Prompt encodePrompt(List<ChatMessage> messages, List<Map<String, Object>> tools) {
        List<io.rasd.text.ChatMessage> conversation = messages == null ? List.of() : toTemplateMessages(messages);
        try {
            ChatPromptEncoder.check(conversation); // before the request is built: no messages is bad input
            return promptEncoder.encode(
                    ChatTemplateRequest.of(conversation, true).withTools(tools));
        } catch (RasdException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }

    static List<io.rasd.text.ChatMessage> toTemplateMessages(List<ChatMessage> messages) {
        List<io.rasd.text.ChatMessage> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            if (m instanceof SystemMessage s) {
                out.add(new io.rasd.text.ChatMessage("system", s.text()));
            } else if (m instanceof UserMessage u) {
                out.add(new io.rasd.text.ChatMessage("user", userText(u)));
            } else if (m instanceof AiMessage a) {
                String text = a.text() == null ? "" : a.text();
                if (a.hasToolExecutionRequests()) {
                    // content "" rather than None: Qwen3's template tests '</think>' in message.content
                    out.add(io.rasd.text.ChatMessage.assistantToolCalls(
                            text, LangChain4jTools.toToolCalls(a.toolExecutionRequests())));
                } else {
                    out.add(new io.rasd.text.ChatMessage("assistant", text));
                }
            } else if (m instanceof ToolExecutionResultMessage r) {
                out.add(io.rasd.text.ChatMessage.toolResult(r.id(), r.toolName(), r.text() == null ? "" : r.text()));
            } else {
                throw new UnsupportedFeatureException("rasd renders system, user, AI and tool result messages through"
                        + " the chat template; " + m.type() + " messages are not supported");
            }
        }
        return out;
    }

    private static String userText(UserMessage u) {
        if (u.hasSingleText()) {
            return u.singleText();
        }
        StringBuilder text = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) {
                throw new UnsupportedFeatureException("rasd runs text-only models and does not support "
                        + c.type().name().toLowerCase(Locale.ROOT) + " inputs; the user message contains "
                        + c.type() + " content");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(t.text());
        }
        return text.toString();
    }

    /** The answer as a response; read for tool calls in {@code toolCallFormat} unless it is null. */
    protected ChatResponse toChatResponse(GenerationResult result, DecodingMode mode, ToolCallFormat toolCallFormat) {
        ModelReply reply = toolCallFormat == null
                ? new ModelReply(result.text(), List.of())
                : ToolCallStream.parse(toolCallFormat, result.text());
        return toChatResponse(result, mode, reply);
    }

    /** The answer, already read for tool calls, as a response. */
    protected ChatResponse toChatResponse(GenerationResult result, DecodingMode mode, ModelReply reply) {
        RasdChatResponseMetadata metadata = RasdChatResponseMetadata.builder()
                .id("rasd-" + UUID.randomUUID())
                .modelName(modelName())
                .tokenUsage(new TokenUsage(result.stats().promptTokens(), result.tokens().length))
                .finishReason(
                        reply.hasToolCalls()
                                ? FinishReason.TOOL_EXECUTION
                                : switch (result.finishReason()) {
                                    case STOP -> FinishReason.STOP;
                                    case LENGTH -> FinishReason.LENGTH;
                                    case CANCELLED, TIMEOUT -> FinishReason.OTHER; // a timeout throws instead
                                })
                .mode(mode)
                .stats(result.stats())
                .build();
        return ChatResponse.builder()
                .aiMessage(
                        reply.hasToolCalls()
                                ? AiMessage.from(
                                        reply.text().isEmpty() ? null : reply.text(),
                                        LangChain4jTools.toRequests(reply.toolCalls()))
                                : AiMessage.from(reply.text()))
                .metadata(metadata)
                .build();
    }

    /**
     * Engine errors as LangChain4j exceptions: busy is a rate limit (retry later), a timeout LangChain4j's
     * {@link TimeoutException} (its cause, the engine's {@link RasdTimeoutException}, holds the partial result), bad
     * input an invalid request.
     */
    protected static RuntimeException translate(RuntimeException e) {
        if (e instanceof RasdTimeoutException) {
            return new TimeoutException(e.getMessage(), e);
        }
        if (e instanceof RasdBusyException) {
            return new RateLimitException(e.getMessage(), e);
        }
        if (e instanceof RasdException) {
            return new InvalidRequestException(e.getMessage(), e);
        }
        return e;
    }

    private static void checkSupported(ChatRequestParameters p) {
        // REQUIRED first: a request forcing a tool names the feature it asks for, as LangChain4j's conformance
        // tests expect ("ToolChoice.REQUIRED is not supported")
        if (p.toolChoice() == ToolChoice.REQUIRED) {
            throw new UnsupportedFeatureException("ToolChoice.REQUIRED is not supported: rasd offers tools to the"
                    + " model, which decides itself whether to call one (nothing forces a call)");
        }
        if (p.frequencyPenalty() != null && p.frequencyPenalty() != 0) {
            throw new UnsupportedFeatureException("rasd does not support frequencyPenalty (got "
                    + p.frequencyPenalty() + "): a penalty would change the target distribution speculation verifies"
                    + " against");
        }
        if (p.presencePenalty() != null && p.presencePenalty() != 0) {
            throw new UnsupportedFeatureException(
                    "rasd does not support presencePenalty (got " + p.presencePenalty() + ")");
        }
    }

    /** Every value is checked, those greedy decoding ignores (topK, topP at temperature 0) too. */
    private static SamplingParams sampling(ChatRequestParameters p) {
        double temperature = p.temperature() == null ? 0 : p.temperature();
        try {
            return new SamplingParams(temperature, p.topK() == null ? 0 : p.topK(), p.topP() == null ? 1 : p.topP());
        } catch (RasdException e) {
            throw new InvalidRequestException(
                    "Invalid sampling parameters (temperature=" + p.temperature() + ", topK=" + p.topK() + ", topP="
                            + p.topP() + "): " + e.getMessage(),
                    e);
        }
    }

    /** {@link RasdEngine#checkMode} as an {@link InvalidRequestException}. */
    private void checkMode(DecodingMode mode) {
        try {
            engine.checkMode(mode);
        } catch (RasdException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }

    private static List<String> checkStopSequences(List<String> stops) {
        if (stops == null) {
            return List.of();
        }
        if (stops.size() > GenerationRequest.MAX_STOP_STRINGS) {
            throw new InvalidRequestException("stopSequences may hold at most " + GenerationRequest.MAX_STOP_STRINGS
                    + " strings, got " + stops.size());
        }
        for (int i = 0; i < stops.size(); i++) {
            String s = stops.get(i);
            if (s == null || s.isEmpty()) {
                throw new InvalidRequestException("stopSequences must not contain empty strings, got " + stops);
            }
            if (s.length() > GenerationRequest.MAX_STOP_STRING_CHARS) {
                throw new InvalidRequestException("stopSequences[" + i + "] has " + s.length() + " chars; at most "
                        + GenerationRequest.MAX_STOP_STRING_CHARS + " are allowed");
            }
        }
        return stops;
    }

    private static void checkTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new InvalidRequestException("timeout must be positive (or unset for no limit), got " + timeout);
        }
    }

    private static void checkMaxOutputTokens(Integer max) {
        if (max != null && max < 1) {
            throw new InvalidRequestException("maxOutputTokens must be >= 1, got " + max);
        }
    }

    /** The engine's speculation settings with this request's knobs applied; null when it sets none. */
    private SpeculationConfig speculation(RasdChatRequestParameters p) {
        if (p.speculation().isEmpty()) {
            return null;
        }
        try {
            return p.speculation().applyTo(engine.speculation());
        } catch (RasdException e) {
            throw new InvalidRequestException("Invalid speculation parameter " + e.getMessage(), e);
        }
    }

    /**
     * The builder both chat models share, self-typed so that every setter returns the concrete builder.
     *
     * @param <C> the chat model it builds
     * @param <B> the concrete builder
     */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<C extends RasdBaseChatModel, B extends Builder<C, B>> {

        protected RasdEngine engine;
        protected ChatTemplate chatTemplate;
        protected ChatRequestParameters defaultRequestParameters;
        protected String modelName;
        protected Double temperature;
        protected Double topP;
        protected Integer topK;
        protected Integer maxOutputTokens;
        protected List<String> stopSequences;
        protected DecodingMode mode;
        protected Long seed;
        protected Duration timeout;
        protected List<ChatModelListener> listeners;
        protected RasdRetrievalBoost retrievalBoost;
        protected ToolCallFormat toolCallFormat;

        protected B self() {
            return (B) this;
        }

        /** The engine that generates (required). The chat model does not close it. */
        public B engine(RasdEngine engine) {
            this.engine = engine;
            return self();
        }

        /** Overrides the chat template of the target model's directory. */
        public B chatTemplate(ChatTemplate chatTemplate) {
            this.chatTemplate = chatTemplate;
            return self();
        }

        /**
         * Defaults for every request (a {@link RasdChatRequestParameters} may carry rasd's own); the individual
         * setters below take precedence over it, and each request's parameters over both.
         */
        public B defaultRequestParameters(ChatRequestParameters parameters) {
            this.defaultRequestParameters = parameters;
            return self();
        }

        /** The name reported in responses and metrics; default: the target model's directory name. */
        public B modelName(String modelName) {
            this.modelName = modelName;
            return self();
        }

        public B temperature(Double temperature) {
            this.temperature = temperature;
            return self();
        }

        public B topP(Double topP) {
            this.topP = topP;
            return self();
        }

        public B topK(Integer topK) {
            this.topK = topK;
            return self();
        }

        public B maxOutputTokens(Integer maxOutputTokens) {
            this.maxOutputTokens = maxOutputTokens;
            return self();
        }

        public B stopSequences(List<String> stopSequences) {
            this.stopSequences = stopSequences;
            return self();
        }

        /** The default decoding mode; default: the fullest the engine supports. */
        public B mode(DecodingMode mode) {
            this.mode = mode;
            return self();
        }

        public B seed(Long seed) {
            this.seed = seed;
            return self();
        }

        /**
         * How long a call may take, counted from when the engine takes it (queue wait, prefill and decoding included);
         * past it the generation stops at its next decoding step, frees its engine slot, and the call fails with
         * LangChain4j's {@link TimeoutException} (streaming: {@code onError}, after the partial responses already
         * delivered, which stay valid). Requests may set their own ({@link RasdChatRequestParameters#timeout()}).
         * Default: none.
         */
        public B timeout(Duration timeout) {
            this.timeout = timeout;
            return self();
        }

        /** Listeners LangChain4j calls around every request (copied). */
        public B listeners(List<ChatModelListener> listeners) {
            this.listeners = listeners == null ? null : new ArrayList<>(listeners);
            return self();
        }

        /** Boosts the segments this listener saw retrieved for the request (see {@link RasdRetrievalBoost}). */
        public B retrievalBoost(RasdRetrievalBoost boost) {
            this.retrievalBoost = boost;
            return self();
        }

        /**
         * How the model writes tool calls; default: detected from the chat template when a request offers tools
         * ({@link ToolCallFormat#detect}).
         */
        public B toolCallFormat(ToolCallFormat format) {
            this.toolCallFormat = format;
            return self();
        }

        public abstract C build();
    }
}
