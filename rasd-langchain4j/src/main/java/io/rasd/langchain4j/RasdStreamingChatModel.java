package io.rasd.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import io.rasd.engine.Cancellation;
import io.rasd.engine.FinishReason;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.Reservation;
import io.rasd.text.tools.ToolCallFormat;
import io.rasd.text.tools.ToolCallStream;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LangChain4j {@link StreamingChatModel} on a {@link io.rasd.engine.RasdEngine}. Text arrives as the engine commits
 * tokens (several per target forward when speculation pays), in whole characters, never showing a stop sequence or
 * the start of one that may still complete.
 *
 * <p>Contract: the generation runs on the model's executor, never on the caller's thread. Every failure (bad
 * parameters, a full engine queue, an engine error, an exception thrown by the handler itself) reaches
 * {@link StreamingChatResponseHandler#onError}. {@link StreamingHandle#cancel()} (from
 * {@link PartialResponseContext#streamingHandle()}) stops the generation within one decoding step and frees its
 * engine slot; after it, the handler gets no further calls, neither partial responses nor a complete response.
 * A {@link RasdStreamingChatResponseHandler} also hears each token's origin.
 *
 * <p>Tools: when a request offers tools, text streams until a tool call starts; the call is held back whole, and once
 * the answer is complete each call goes to {@link StreamingChatResponseHandler#onCompleteToolCall}, then the complete
 * response carries them as the {@code AiMessage}'s tool execution requests. A call that does not parse arrives as
 * text at the end.
 *
 * <p>An HTTP server that must refuse with a status code before its response starts takes the engine's slot first
 * ({@link io.rasd.engine.RasdEngine#reserve()}, which refuses at once when the engine is full) and passes it to
 * {@link #chat(ChatRequest, Reservation, StreamingChatResponseHandler)}; the generation then cannot be refused later.
 */
public class RasdStreamingChatModel extends RasdBaseChatModel implements StreamingChatModel {

    private static final Logger LOG = LoggerFactory.getLogger(RasdStreamingChatModel.class);

    private final Executor executor;

    protected RasdStreamingChatModel(Builder builder) {
        super(builder);
        this.executor = builder.executor != null ? builder.executor : RasdThreads.generation();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * LangChain4j wraps the handler (for its listeners) before {@link #doChat}; the caller's own handler is kept here
     * for that synchronous call so a {@link RasdStreamingChatResponseHandler} still hears token origins.
     */
    private static final ThreadLocal<RasdStreamingChatResponseHandler> ORIGINS = new ThreadLocal<>();

    /** The reservation of {@link #chat(ChatRequest, Reservation, StreamingChatResponseHandler)}, for its doChat. */
    private static final ThreadLocal<Reservation> RESERVED = new ThreadLocal<>();

    /**
     * As {@link #chat(ChatRequest, StreamingChatResponseHandler)}, on the slot or queue place of {@code reservation}
     * (from {@link io.rasd.engine.RasdEngine#reserve()} of this model's engine). Once this call reaches the model it
     * takes the place over (the caller's object is left empty) and gives it back on every path: completion, error,
     * cancellation, a failure to start. If it throws before, the caller's object still holds the place; so the caller
     * may always close its object afterwards, which gives the place back only if it was not taken over.
     */
    public void chat(ChatRequest request, Reservation reservation, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(reservation, "reservation");
        RESERVED.set(reservation);
        try {
            chat(request, handler);
        } finally {
            RESERVED.remove();
        }
    }

    @Override
    public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
        if (!(handler instanceof RasdStreamingChatResponseHandler withOrigins)) {
            StreamingChatModel.super.chat(request, options, handler);
            return;
        }
        ORIGINS.set(withOrigins);
        try {
            StreamingChatModel.super.chat(request, options, handler);
        } finally {
            ORIGINS.remove();
        }
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        RasdStreamingChatResponseHandler withOrigins =
                handler instanceof RasdStreamingChatResponseHandler h ? h : ORIGINS.get();
        ORIGINS.remove();
        Reservation reserved = RESERVED.get();
        RESERVED.remove();
        Reservation owned = reserved == null ? null : reserved.transfer();
        Prepared prepared;
        try {
            prepared = prepare(request);
        } catch (RuntimeException e) {
            release(owned);
            handler.onError(e);
            return;
        }
        Handle handle = new Handle();
        try {
            executor.execute(() -> stream(prepared, handler, withOrigins, handle, owned));
        } catch (RuntimeException e) {
            release(owned);
            handler.onError(e);
        }
    }

    private static void release(Reservation owned) {
        if (owned != null) {
            owned.close();
        }
    }

    private void stream(
            Prepared prepared,
            StreamingChatResponseHandler handler,
            RasdStreamingChatResponseHandler withOrigins,
            Handle handle,
            Reservation owned) {
        GenerationRequest generation = prepared.generation();
        PartialResponseContext context = new PartialResponseContext(handle);
        // with tools offered, the text is read for calls as it streams: text is shown, a call is held back whole
        ToolCallStream toolCalls =
                prepared.toolCallFormat() == null ? null : new ToolCallStream(prepared.toolCallFormat());
        GenerationResult result;
        try {
            GenerationListener listener = (tokens, origins, text) -> {
                if (handle.isCancelled() || (text.isEmpty() && (withOrigins == null || tokens.length == 0))) {
                    return;
                }
                try {
                    if (withOrigins != null) {
                        for (int i = 0; i < tokens.length; i++) {
                            // the engine commits one token per call; the text goes with the last of them
                            withOrigins.onToken(tokens[i], origins[i], i == tokens.length - 1 ? text : "", context);
                        }
                    }
                    String shown = toolCalls == null ? text : toolCalls.push(text);
                    if (shown.isEmpty()) {
                        return;
                    }
                    handler.onPartialResponse(new PartialResponse(shown), context);
                } catch (Exception e) {
                    // as LangChain4j's own streaming models do: report the handler's failure, keep streaming
                    onError(handler, e);
                }
            };
            // with a reservation the engine takes it over and gives it back however the generation ends
            result = generate(generation, listener, handle.cancellation, owned);
        } catch (RuntimeException e) {
            if (!handle.isCancelled()) {
                onError(handler, translate(e));
            }
            return;
        } catch (Error e) {
            if (!handle.isCancelled()) {
                onError(handler, e); // the caller hears of it; the executor's thread still sees the error
            }
            throw e;
        }
        if (result.finishReason() == FinishReason.CANCELLED || handle.isCancelled()) {
            return;
        }
        ChatResponse response;
        try {
            if (toolCalls == null) {
                response = toChatResponse(result, generation.mode(), (ToolCallFormat) null);
            } else {
                finishToolCalls(toolCalls, handler, context);
                response = toChatResponse(result, generation.mode(), toolCalls.reply());
            }
        } catch (RuntimeException e) {
            onError(handler, e);
            return;
        }
        try {
            handler.onCompleteResponse(response);
        } catch (Exception e) {
            LOG.warn("The streaming handler's onCompleteResponse threw", e);
        }
    }

    /** The text held back to the end, then each call, as LangChain4j's own streaming models send them. */
    private static void finishToolCalls(
            ToolCallStream toolCalls, StreamingChatResponseHandler handler, PartialResponseContext context) {
        String tail = toolCalls.finish();
        try {
            if (!tail.isEmpty()) {
                handler.onPartialResponse(new PartialResponse(tail), context);
            }
            List<ToolExecutionRequest> requests =
                    LangChain4jTools.toRequests(toolCalls.reply().toolCalls());
            for (int i = 0; i < requests.size(); i++) {
                handler.onCompleteToolCall(new CompleteToolCall(i, requests.get(i)));
            }
        } catch (Exception e) {
            onError(handler, e);
        }
    }

    private static void onError(StreamingChatResponseHandler handler, Throwable error) {
        try {
            handler.onError(error);
        } catch (Exception e) {
            LOG.warn("The streaming handler's onError threw while handling {}", error, e);
        }
    }

    /** Cancels one streaming generation. */
    private static final class Handle implements StreamingHandle {
        private final Cancellation cancellation = new Cancellation();

        @Override
        public void cancel() {
            cancellation.cancel();
        }

        @Override
        public boolean isCancelled() {
            return cancellation.isCancelled();
        }
    }

    public static class Builder extends RasdBaseChatModel.Builder<RasdStreamingChatModel, Builder> {

        private Executor executor;

        /** Where generations run; default: a shared pool of daemon threads. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        @Override
        public RasdStreamingChatModel build() {
            return new RasdStreamingChatModel(this);
        }
    }
}
