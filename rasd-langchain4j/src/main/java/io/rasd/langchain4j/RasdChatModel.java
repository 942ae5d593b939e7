package io.rasd.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.rasd.engine.Cancellation;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A LangChain4j {@link ChatModel} that generates with a {@link io.rasd.engine.RasdEngine}: same text as plain
 * decoding, faster where drafting and retrieval pay.
 *
 * <pre>{@code
 * ChatModel model = RasdChatModel.builder().engine(engine).maxOutputTokens(256).build();
 * String answer = model.chat("What does a list comprehension do?");
 * }</pre>
 *
 * <p>Thread-safe: one instance may serve any number of callers; they share the engine's generation slots and queue
 * (see {@link io.rasd.engine.RasdEngine}), and a caller beyond the queue gets a
 * {@link dev.langchain4j.exception.RateLimitException} at once. Responses carry {@link RasdChatResponseMetadata}.
 */
public class RasdChatModel extends RasdBaseChatModel implements ChatModel {

    private final Executor asyncExecutor;

    protected RasdChatModel(Builder builder) {
        super(builder);
        this.asyncExecutor = builder.asyncExecutor != null ? builder.asyncExecutor : RasdThreads.generation();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        Prepared prepared = prepare(request);
        GenerationRequest generation = prepared.generation();
        GenerationResult result;
        try {
            result = generate(generation, GenerationListener.NONE, new Cancellation(), null);
        } catch (RuntimeException e) {
            throw translate(e);
        }
        return toChatResponse(result, generation.mode(), prepared.toolCallFormat());
    }

    /** Runs {@link #doChat} on the model's executor; cancelling the future cancels the generation. */
    @Override
    public CompletableFuture<ChatResponse> doChatAsync(ChatRequest request) {
        Prepared prepared;
        try {
            prepared = prepare(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Cancellation cancellation = new Cancellation();
        CompletableFuture<ChatResponse> future = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                cancellation.cancel();
                return super.cancel(mayInterruptIfRunning);
            }
        };
        try {
            asyncExecutor.execute(() -> {
                try {
                    GenerationRequest generation = prepared.generation();
                    GenerationResult result = generate(generation, GenerationListener.NONE, cancellation, null);
                    future.complete(toChatResponse(result, generation.mode(), prepared.toolCallFormat()));
                } catch (RuntimeException e) {
                    future.completeExceptionally(translate(e));
                } catch (Error e) {
                    future.completeExceptionally(e);
                    throw e;
                }
            });
        } catch (RuntimeException e) { // a rejecting executor
            future.completeExceptionally(e);
        }
        return future;
    }

    public static class Builder extends RasdBaseChatModel.Builder<RasdChatModel, Builder> {

        private Executor asyncExecutor;

        /** Where {@link #chatAsync} runs generations; default: a shared pool of daemon threads. */
        public Builder asyncExecutor(Executor executor) {
            this.asyncExecutor = executor;
            return this;
        }

        @Override
        public RasdChatModel build() {
            return new RasdChatModel(this);
        }
    }
}
