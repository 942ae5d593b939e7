package io.rasd.langchain4j;

import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import io.rasd.engine.Cancellation;
import io.rasd.engine.FinishReason;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
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
        GenerationRequest generation;
        try {
            generation = toGenerationRequest(request);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Handle handle = new Handle();
        try {
            executor.execute(() -> stream(generation, handler, withOrigins, handle));
        } catch (RuntimeException e) {
            handler.onError(e);
        }
    }

    private void stream(
            GenerationRequest generation,
            StreamingChatResponseHandler handler,
            RasdStreamingChatResponseHandler withOrigins,
            Handle handle) {
        PartialResponseContext context = new PartialResponseContext(handle);
        GenerationResult result;
        try {
            result = engine.generate(
                    generation,
                    (tokens, origins, text) -> {
                        if (handle.isCancelled() || (text.isEmpty() && (withOrigins == null || tokens.length == 0))) {
                            return;
                        }
                        try {
                            if (withOrigins != null) {
                                for (int i = 0; i < tokens.length; i++) {
                                    // the engine commits one token per call; the text goes with the last of them
                                    withOrigins.onToken(
                                            tokens[i], origins[i], i == tokens.length - 1 ? text : "", context);
                                }
                            }
                            if (text.isEmpty()) {
                                return;
                            }
                            handler.onPartialResponse(new PartialResponse(text), context);
                        } catch (Exception e) {
                            // as LangChain4j's own streaming models do: report the handler's failure, keep streaming
                            onError(handler, e);
                        }
                    },
                    handle.cancellation);
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
            response = toChatResponse(result, generation.mode());
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
