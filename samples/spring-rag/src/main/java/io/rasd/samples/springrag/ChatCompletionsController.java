package io.rasd.samples.springrag;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.injector.DefaultContentInjector;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.query.Query;
import io.rasd.engine.Cancellation;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.Reservation;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.langchain4j.RasdChatResponseMetadata;
import io.rasd.langchain4j.RasdStreamingChatModel;
import io.rasd.langchain4j.RasdStreamingChatResponseHandler;
import io.rasd.tree.TokenOrigin;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

/**
 * OpenAI-compatible endpoints: {@code POST /v1/chat/completions} (JSON, or server-sent events with
 * {@code "stream": true}, usage included) and {@code GET /v1/models}. Each streamed chunk also carries a
 * {@code "rasd"} object with the origins of the tokens it completes (draft, pld, datastore, target); OpenAI clients
 * ignore it. Errors use OpenAI's error shape: 400 bad request (also a body that is not UTF-8 JSON), 401 missing key,
 * 404 unknown model, 413 too large, 415 not JSON, 429 engine queue full (for a stream always a status, before the
 * stream starts), 503 still ingesting, 504 past the request's timeout ({@code rasd.timeout_ms}; the body's
 * {@code rasd.partial_content} holds what was generated; a stream that started gets an error event instead, after
 * the chunks already sent).
 *
 * <p>Tools: a request with {@code tools} gets the model's calls as {@code message.tool_calls} (finish reason
 * {@code tool_calls}); streamed, the text before the calls comes as content deltas and the calls as one
 * {@code delta.tool_calls} chunk at the end ({@code [{index, id, type, function: {name, arguments}}]}), as OpenAI
 * clients accumulate them. A call that does not parse comes back as text.
 */
@RestController
class ChatCompletionsController {

    private final RasdChatModel chatModel;
    private final RasdStreamingChatModel streamingModel;
    private final RasdEngine engine;
    private final ContentRetriever retriever;
    private final Readiness readiness;
    private final RagProperties properties;

    ChatCompletionsController(
            RasdChatModel chatModel,
            RasdStreamingChatModel streamingModel,
            RasdEngine engine,
            ContentRetriever retriever,
            Readiness readiness,
            RagProperties properties) {
        this.chatModel = chatModel;
        this.streamingModel = streamingModel;
        this.engine = engine;
        this.retriever = retriever;
        this.readiness = readiness;
        this.properties = properties;
    }

    @GetMapping(value = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
    String models() {
        JsonObject model = new JsonObject();
        model.addProperty("id", chatModel.modelName());
        model.addProperty("object", "model");
        model.addProperty("created", 0);
        model.addProperty("owned_by", "rasd");
        JsonArray data = new JsonArray();
        data.add(model);
        JsonObject list = new JsonObject();
        list.addProperty("object", "list");
        list.add("data", data);
        return list.toString();
    }

    @PostMapping("/v1/chat/completions")
    ResponseEntity<?> completions(HttpServletRequest http) throws IOException {
        ChatCompletionRequest request = ChatCompletionRequest.parse(
                RequestBodies.read(http, properties.getApi().getMaxRequestSize()));
        readiness.check();
        List<ChatMessage> messages = request.messages();
        List<Content> sources = List.of();
        if (request.rag()) {
            sources = retrieve(messages);
            messages = augment(messages, sources);
        }
        ChatRequest chatRequest = request.toChatRequest(messages);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        if (!request.stream()) {
            ChatResponse response = chatModel.chat(chatRequest);
            return ResponseEntity.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(completion(id, created, response, sources).toString());
        }
        // the stream's slot is taken before its response starts, while a status code can still refuse it: a full
        // engine is a 429 here, never an error event inside a 200 stream
        try (Reservation reservation = admit(request)) {
            ResponseBodyEmitter emitter = new ResponseBodyEmitter(10 * 60 * 1000L);
            new Stream(emitter, id, created, request, sources).start(chatRequest, reservation);
            return ResponseEntity.ok()
                    .contentType(MediaType.TEXT_EVENT_STREAM)
                    .header("Cache-Control", "no-cache")
                    .header("X-Accel-Buffering", "no")
                    .body(emitter);
        } // the streaming model took the slot over; closing gives it back only if it did not get that far
    }

    /**
     * A generation slot for a stream: taken at once, or after waiting in the engine's queue on this request's thread
     * (as a JSON request waits); 429 when the queue is full or the wait passes the queue timeout, 504 when it passes
     * the request's timeout (which goes on counting from here during the generation).
     */
    private Reservation admit(ChatCompletionRequest request) {
        Duration timeout = request.timeout() != null
                ? request.timeout()
                : streamingModel.defaultRequestParameters().timeout();
        Reservation reservation = engine.reserve();
        try {
            if (!reservation.awaitSlot(new Cancellation(), timeout)) {
                throw new IllegalStateException("the wait for a generation slot ended without one");
            }
            return reservation;
        } catch (RuntimeException e) {
            reservation.close();
            throw e;
        }
    }

    private List<Content> retrieve(List<ChatMessage> messages) {
        if (!(messages.get(messages.size() - 1) instanceof UserMessage last)) {
            throw ApiException.badRequest("messages", "with rasd.rag the last message must be the user's");
        }
        return retriever.retrieve(Query.from(last.singleText()));
    }

    private static List<ChatMessage> augment(List<ChatMessage> messages, List<Content> sources) {
        List<ChatMessage> out = new ArrayList<>(messages);
        ChatMessage last = out.remove(out.size() - 1);
        out.add(new DefaultContentInjector().inject(sources, last));
        return out;
    }

    /** OpenAI's {@code tool_calls}: {@code [{"index", "id", "type": "function", "function": {"name", "arguments"}}]}. */
    static JsonArray toolCalls(List<ToolExecutionRequest> requests) {
        JsonArray calls = new JsonArray();
        for (int i = 0; i < requests.size(); i++) {
            ToolExecutionRequest r = requests.get(i);
            JsonObject function = new JsonObject();
            function.addProperty("name", r.name());
            function.addProperty("arguments", r.arguments());
            JsonObject call = new JsonObject();
            call.addProperty("index", i);
            call.addProperty("id", r.id());
            call.addProperty("type", "function");
            call.add("function", function);
            calls.add(call);
        }
        return calls;
    }

    static JsonObject completion(String id, long created, ChatResponse response, List<Content> sources) {
        JsonObject message = new JsonObject();
        message.addProperty("role", "assistant");
        message.addProperty("content", response.aiMessage().text()); // null with tool calls and no text, as OpenAI's
        if (response.aiMessage().hasToolExecutionRequests()) {
            message.add("tool_calls", toolCalls(response.aiMessage().toolExecutionRequests()));
        }
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        choice.add("message", message);
        choice.add("logprobs", null);
        choice.addProperty("finish_reason", finishReason(response.finishReason()));
        JsonArray choices = new JsonArray();
        choices.add(choice);
        JsonObject body = envelope(id, created, response.modelName(), "chat.completion");
        body.add("choices", choices);
        body.add("usage", usage(response.tokenUsage()));
        body.add("rasd", stats(response, sources));
        return body;
    }

    private static JsonObject envelope(String id, long created, String model, String object) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("object", object);
        o.addProperty("created", created);
        o.addProperty("model", model);
        return o;
    }

    private static JsonObject usage(TokenUsage u) {
        JsonObject o = new JsonObject();
        o.addProperty("prompt_tokens", u.inputTokenCount());
        o.addProperty("completion_tokens", u.outputTokenCount());
        o.addProperty("total_tokens", u.totalTokenCount());
        return o;
    }

    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case LENGTH -> "length";
            case TOOL_EXECUTION -> "tool_calls";
            default -> "stop";
        };
    }

    /** rasd's speculation stats and the retrieved sources, for the page. */
    private static JsonObject stats(ChatResponse response, List<Content> sources) {
        JsonObject o = new JsonObject();
        if (response.metadata() instanceof RasdChatResponseMetadata m) {
            o.addProperty("mode", m.mode().cliName());
            o.addProperty("tau", m.meanAcceptedTokens());
            o.addProperty("tokens_per_second", m.tokensPerSecond());
            o.addProperty("target_forwards", m.targetForwards());
            o.addProperty("seconds", m.stats().seconds() + m.stats().prefillSeconds());
            JsonObject accepted = new JsonObject();
            for (TokenOrigin origin : TokenOrigin.values()) {
                accepted.addProperty(origin.name().toLowerCase(Locale.ROOT), m.acceptedTokens(origin));
            }
            o.add("accepted", accepted);
        }
        JsonArray src = new JsonArray();
        for (Content c : sources) {
            JsonObject s = new JsonObject();
            s.addProperty("file", c.textSegment().metadata().getString("file_name"));
            s.addProperty("text", c.textSegment().text());
            src.add(s);
        }
        o.add("sources", src);
        return o;
    }

    /** One streamed answer: chunks as the engine commits tokens, then the finish chunk, usage and [DONE]. */
    private final class Stream implements RasdStreamingChatResponseHandler {
        private final ResponseBodyEmitter emitter;
        private final String id;
        private final long created;
        private final ChatCompletionRequest request;
        private final List<Content> sources;
        private final AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        private final AtomicBoolean gone = new AtomicBoolean();
        private final List<String> pendingOrigins = new ArrayList<>();
        private boolean roleSent;
        /** The thread inside {@link #start} while it runs: an error on it comes before the response starts. */
        private volatile Thread startingThread;

        private Throwable early;

        Stream(
                ResponseBodyEmitter emitter,
                String id,
                long created,
                ChatCompletionRequest request,
                List<Content> sources) {
            this.emitter = emitter;
            this.id = id;
            this.created = created;
            this.request = request;
            this.sources = sources;
        }

        void start(ChatRequest chatRequest, Reservation reservation) {
            // a client that goes away frees the engine at once: the next write fails, or the container tells us
            emitter.onError(t -> clientGone());
            emitter.onTimeout(this::clientGone);
            startingThread = Thread.currentThread();
            try {
                streamingModel.chat(chatRequest, reservation, this);
            } finally {
                startingThread = null;
            }
            if (early != null) {
                // the model refused the request before it started (e.g. a prompt that fills the context window):
                // the response has not started, so it is a status code like the JSON request's
                throw ApiErrors.toApi(early);
            }
        }

        private void clientGone() {
            gone.set(true);
            StreamingHandle h = handle.get();
            if (h != null) {
                h.cancel();
            }
        }

        private void remember(PartialResponseContext context) {
            if (handle.get() == null && context != null) {
                handle.set(context.streamingHandle());
                if (gone.get()) {
                    context.streamingHandle().cancel();
                }
            }
        }

        @Override
        public void onToken(int token, TokenOrigin origin, String text, PartialResponseContext context) {
            remember(context);
            pendingOrigins.add(origin.name().toLowerCase(Locale.ROOT));
            // with tools offered, the text goes out with onPartialResponse: the model held a tool call back from it
            if (!text.isEmpty() && !request.offersTools()) {
                sendContent(text);
            }
        }

        @Override
        public void onPartialResponse(PartialResponse partialResponse, PartialResponseContext context) {
            remember(context);
            if (request.offersTools()) {
                sendContent(partialResponse.text());
            } // else the text went out with onToken
        }

        private void sendContent(String text) {
            JsonObject delta = new JsonObject();
            if (!roleSent) {
                delta.addProperty("role", "assistant");
                roleSent = true;
            }
            delta.addProperty("content", text);
            JsonObject rasd = new JsonObject();
            JsonArray origins = new JsonArray();
            pendingOrigins.forEach(origins::add);
            pendingOrigins.clear();
            rasd.add("origins", origins);
            send(chunk(delta, null, rasd));
        }

        @Override
        public void onPartialResponse(String partialResponse) {
            // superseded by the context-aware variant above
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            JsonObject rasd = stats(response, sources);
            JsonArray origins = new JsonArray();
            pendingOrigins.forEach(origins::add);
            rasd.add("origins", origins);
            JsonObject delta = new JsonObject();
            if (response.aiMessage().hasToolExecutionRequests()) {
                JsonObject calls = new JsonObject();
                if (!roleSent) {
                    calls.addProperty("role", "assistant");
                    calls.add("content", null);
                    roleSent = true;
                }
                calls.add("tool_calls", toolCalls(response.aiMessage().toolExecutionRequests()));
                send(chunk(calls, null, new JsonObject()));
            } else if (!roleSent) {
                delta.addProperty("role", "assistant");
                delta.addProperty("content", "");
            }
            send(chunk(delta, finishReason(response.finishReason()), rasd));
            if (request.includeUsage()) {
                JsonObject usage = envelope(id, created, response.modelName(), "chat.completion.chunk");
                usage.add("choices", new JsonArray());
                usage.add("usage", usage(response.tokenUsage()));
                send(usage);
            }
            sendRaw("data: [DONE]\n\n");
            emitter.complete();
        }

        @Override
        public void onError(Throwable error) {
            if (Thread.currentThread() == startingThread) {
                early = error; // still inside start(): answered with a status code there
                return;
            }
            // headers are out already: report in the stream the way OpenAI does, then end it (overload cannot get
            // here: the slot was taken before the response started)
            send(ApiErrors.body(ApiErrors.toApi(error)));
            sendRaw("data: [DONE]\n\n");
            emitter.complete();
        }

        private JsonObject chunk(JsonObject delta, String finishReason, JsonObject rasd) {
            JsonObject choice = new JsonObject();
            choice.addProperty("index", 0);
            choice.add("delta", delta);
            choice.add("logprobs", null);
            choice.addProperty("finish_reason", finishReason);
            JsonArray choices = new JsonArray();
            choices.add(choice);
            JsonObject o = envelope(id, created, chatModel.modelName(), "chat.completion.chunk");
            o.add("choices", choices);
            o.add("rasd", rasd);
            return o;
        }

        private void send(JsonObject event) {
            sendRaw("data: " + event + "\n\n");
        }

        private void sendRaw(String text) {
            if (gone.get()) {
                return;
            }
            try {
                emitter.send(text, MediaType.TEXT_PLAIN);
            } catch (IOException | IllegalStateException e) {
                clientGone();
            }
        }
    }
}
