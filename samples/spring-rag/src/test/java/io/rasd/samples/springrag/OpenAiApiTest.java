package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.RasdEngine;
import io.rasd.text.ChatMessage;
import io.rasd.text.ChatTemplate;
import io.rasd.verify.SamplingParams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The OpenAI-compatible API, spoken to by real OpenAI clients and by raw HTTP. */
class OpenAiApiTest extends RunningAppTest {

    @Autowired
    RasdEngine engine;

    private final HttpClient http = HttpClient.newHttpClient();

    private static final String QUESTION = "What is Python?";

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url(path)))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the engine itself generates, greedily, for one user message through the chat template. */
    private String engineDirectly(String question, int maxTokens) {
        String rendered =
                ChatTemplate.load(engine.target().directory()).render(List.of(new ChatMessage("user", question)), true);
        int[] prompt = engine.tokenizer().encode(rendered, false);
        return engine.generate(new GenerationRequest(
                        prompt, maxTokens, DecodingMode.AR, SamplingParams.GREEDY, null, List.of()))
                .text();
    }

    @Test
    void modelsListsTheTargetModel() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url("/v1/models"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(body.get("object").getAsString()).isEqualTo("list");
        assertThat(body.getAsJsonArray("data")
                        .get(0)
                        .getAsJsonObject()
                        .get("id")
                        .getAsString())
                .isEqualTo("demo-target");
    }

    @Test
    void openAiChatModelGetsTheEnginesGreedyText() {
        OpenAiChatModel client = OpenAiChatModel.builder()
                .baseUrl(url("/v1"))
                .apiKey("unused")
                .modelName("demo-target")
                .temperature(0.0)
                .maxTokens(40)
                .build();
        ChatResponse response = client.chat(dev.langchain4j.data.message.UserMessage.from(QUESTION));
        assertThat(response.aiMessage().text()).isEqualTo(engineDirectly(QUESTION, 40));
        assertThat(response.tokenUsage().outputTokenCount()).isPositive();
        assertThat(response.finishReason()).isNotNull();
    }

    @Test
    void openAiStreamingChatModelGetsTheSameText() throws Exception {
        OpenAiStreamingChatModel client = OpenAiStreamingChatModel.builder()
                .baseUrl(url("/v1"))
                .apiKey("unused")
                .modelName("demo-target")
                .temperature(0.0)
                .maxTokens(40)
                .build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        List<String> partials = new ArrayList<>();
        client.chat(QUESTION, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.add(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(2, TimeUnit.MINUTES);
        String expected = engineDirectly(QUESTION, 40);
        assertThat(String.join("", partials)).isEqualTo(expected);
        assertThat(response.aiMessage().text()).isEqualTo(expected);
        assertThat(response.tokenUsage()).isNotNull();
        assertThat(response.tokenUsage().outputTokenCount()).isPositive();
    }

    @Test
    void aStreamIsServerSentEventChunksWithOriginsUsageAndDone() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"model": "demo-target", "stream": true, "max_tokens": 30,
                 "messages": [{"role": "user", "content": "What is Python?"}]}""");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        String[] events = r.body().split("\n\n");
        assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
        StringBuilder text = new StringBuilder();
        int origins = 0;
        JsonObject usage = null;
        String finish = null;
        for (int i = 0; i < events.length - 1; i++) {
            assertThat(events[i]).startsWith("data: ");
            JsonObject chunk = JsonParser.parseString(events[i].substring(6)).getAsJsonObject();
            assertThat(chunk.get("object").getAsString()).isEqualTo("chat.completion.chunk");
            if (chunk.has("usage")) {
                usage = chunk.getAsJsonObject("usage");
                assertThat(chunk.getAsJsonArray("choices")).isEmpty();
                continue;
            }
            JsonObject choice = chunk.getAsJsonArray("choices").get(0).getAsJsonObject();
            JsonObject delta = choice.getAsJsonObject("delta");
            if (delta.has("content")) {
                text.append(delta.get("content").getAsString());
            }
            if (!choice.get("finish_reason").isJsonNull()) {
                finish = choice.get("finish_reason").getAsString();
            }
            origins += chunk.getAsJsonObject("rasd").getAsJsonArray("origins").size();
        }
        assertThat(text.toString()).isEqualTo(engineDirectly(QUESTION, 30));
        assertThat(finish).isIn("stop", "length");
        assertThat(usage).isNotNull();
        assertThat(usage.get("completion_tokens").getAsInt()).isEqualTo(origins);
        assertThat(usage.get("total_tokens").getAsInt())
                .isEqualTo(usage.get("prompt_tokens").getAsInt()
                        + usage.get("completion_tokens").getAsInt());
    }

    @Test
    void aCompletionCarriesUsageFinishReasonAndRasdStats() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"model": "demo-target", "max_tokens": 20, "rasd": {"mode": "rasd", "rag": true},
                 "messages": [{"role": "system", "content": "Answer briefly."},
                              {"role": "user", "content": "What is Python?"}]}""");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(body.get("object").getAsString()).isEqualTo("chat.completion");
        JsonObject choice = body.getAsJsonArray("choices").get(0).getAsJsonObject();
        assertThat(choice.getAsJsonObject("message").get("role").getAsString()).isEqualTo("assistant");
        assertThat(choice.get("finish_reason").getAsString()).isIn("stop", "length");
        assertThat(body.getAsJsonObject("usage").get("completion_tokens").getAsInt())
                .isBetween(1, 20);
        JsonObject rasd = body.getAsJsonObject("rasd");
        assertThat(rasd.get("mode").getAsString()).isEqualTo("rasd");
        assertThat(rasd.get("tau").getAsDouble()).isGreaterThanOrEqualTo(1.0);
        assertThat(rasd.getAsJsonArray("sources")).isNotEmpty();
    }

    private void assertError(HttpResponse<String> r, int status, String param, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertThat(error.get("message").getAsString())
                .isNotBlank()
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(error.get("type").getAsString()).isNotBlank();
        if (param != null) {
            assertThat(error.get("param").getAsString()).isEqualTo(param);
        }
        if (code != null) {
            assertThat(error.get("code").getAsString()).isEqualTo(code);
        }
    }

    @Test
    void badRequestsGetOpenAiErrors() throws Exception {
        assertError(post("/v1/chat/completions", "{\"messages\": [ oops"), 400, null, null);
        assertError(post("/v1/chat/completions", "[]"), 400, null, null);
        assertError(post("/v1/chat/completions", """
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"""), 404, "model", "model_not_found");
        assertError(post("/v1/chat/completions", """
                {"max_tokens": -5, "messages": [{"role": "user", "content": "hi"}]}"""), 400, "max_tokens", null);
        assertError(post("/v1/chat/completions", """
                {"temperature": "hot", "messages": [{"role": "user", "content": "hi"}]}"""), 400, "temperature", null);
        assertError(post("/v1/chat/completions", """
                {"top_p": 0, "messages": [{"role": "user", "content": "hi"}]}"""), 400, "top_p", null);
        assertError(post("/v1/chat/completions", "{\"messages\": []}"), 400, "messages", null);
        assertError(post("/v1/chat/completions", """
                {"messages": [{"role": "critic", "content": "x"}]}"""), 400, "messages[0].role", null);
        assertError(post("/v1/chat/completions", """
                {"tools": [{"type": "function"}], "messages": [{"role": "user", "content": "hi"}]}"""), 400, "tools[0].function", null);
        // the demo model's template renders no tools: refused, naming the model
        assertError(post("/v1/chat/completions", """
                {"tools": [{"type": "function", "function": {"name": "weather"}}],
                 "messages": [{"role": "user", "content": "hi"}]}"""), 400, null, null);
        assertError(post("/v1/chat/completions", """
                {"rasd": {"mode": "turbo"}, "messages": [{"role": "user", "content": "hi"}]}"""), 400, "rasd.mode", null);
        assertError(post("/v1/chat/completions", """
                {"rasd": {"timeout_ms": 0}, "messages": [{"role": "user", "content": "hi"}]}"""), 400, "rasd.timeout_ms", null);
        assertError(post("/v1/chat/completions", """
                {"rasd": {"timeout_ms": "5s"}, "messages": [{"role": "user", "content": "hi"}]}"""), 400, "rasd.timeout_ms", null);
        assertError(post("/v1/chat/completions", """
                {"frequency_penalty": 0.5, "messages": [{"role": "user", "content": "hi"}]}"""), 400, null, null);
    }

    @Test
    void aRequestPastItsTimeoutGets504WithWhatItHadGeneratedAndFreesTheEngine() throws Exception {
        // 1 ms: passed by the first decoding step, so the outcome does not depend on the machine's speed
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"max_tokens": 200, "rasd": {"mode": "ar", "timeout_ms": 1},
                 "messages": [{"role": "user", "content": "Write a long story."}]}""");
        assertError(r, 504, null, "generation_timeout");
        JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(body.getAsJsonObject("error").get("type").getAsString()).isEqualTo("timeout_error");
        assertThat(body.getAsJsonObject("error").get("message").getAsString()).contains("timeout of 1 ms");
        JsonObject partial = body.getAsJsonObject("rasd");
        assertThat(partial.get("completion_tokens").getAsInt()).isBetween(0, 199);
        assertThat(partial.has("partial_content")).isTrue();
        assertThat(engine.runningGenerations()).isZero();
        assertThat(post("/v1/chat/completions", """
                        {"max_tokens": 3, "messages": [{"role": "user", "content": "hi"}]}""").statusCode())
                .as("the next request is served")
                .isEqualTo(200);
    }

    @Test
    void aStreamPastItsTimeoutEndsWithATimeoutErrorEventAfterTheChunksItSent() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"stream": true, "max_tokens": 1000, "rasd": {"mode": "ar", "timeout_ms": 150},
                 "messages": [{"role": "user", "content": "Write a long story."}]}""");
        assertThat(r.statusCode()).isEqualTo(200);
        String[] events = r.body().split("\n\n");
        assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
        JsonObject last =
                JsonParser.parseString(events[events.length - 2].substring(6)).getAsJsonObject();
        assertThat(last.getAsJsonObject("error").get("code").getAsString()).isEqualTo("generation_timeout");
        StringBuilder streamed = new StringBuilder();
        for (int i = 0; i < events.length - 2; i++) {
            JsonObject chunk = JsonParser.parseString(events[i].substring(6)).getAsJsonObject();
            JsonObject delta =
                    chunk.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("delta");
            if (delta.has("content")) {
                streamed.append(delta.get("content").getAsString());
            }
        }
        assertThat(streamed.toString())
                .as("the chunks sent stay sent, and the error event names exactly what they held")
                .isEqualTo(last.getAsJsonObject("rasd").get("partial_content").getAsString());
        assertThat(last.getAsJsonObject("rasd").get("completion_tokens").getAsInt())
                .isLessThan(1000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (engine.runningGenerations() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(engine.runningGenerations()).isZero();
    }

    @Test
    void anOversizedBodyGets413() throws Exception {
        String big = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(300 * 1024) + "\"}]}";
        assertError(post("/v1/chat/completions", big), 413, null, "request_too_large");
        assertError(
                post("/api/ask", "{\"question\": \"" + "x".repeat(300 * 1024) + "\"}"), 413, null, "request_too_large");
    }

    @Test
    void aPromptLongerThanTheContextWindowGets400() throws Exception {
        String longText = "word ".repeat(5000);
        assertError(
                post(
                        "/v1/chat/completions",
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"" + longText + "\"}]}"),
                400,
                null,
                null);
        // a stream too: refused with the status before its response starts, not with an error event inside a 200
        assertError(
                post(
                        "/v1/chat/completions",
                        "{\"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"" + longText + "\"}]}"),
                400,
                null,
                null);
    }

    @Test
    void actuatorShowsRasdHealthAndMetrics() throws Exception {
        post("/v1/chat/completions", "{\"max_tokens\": 5, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create(url("/actuator/health"))).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonObject rasd = JsonParser.parseString(health.body())
                .getAsJsonObject()
                .getAsJsonObject("components")
                .getAsJsonObject("rasd");
        assertThat(rasd.get("status").getAsString()).isEqualTo("UP");
        assertThat(rasd.getAsJsonObject("details").get("model").getAsString()).isEqualTo("demo-target");
        assertThat(rasd.getAsJsonObject("details")
                        .getAsJsonObject("datastore")
                        .get("documents")
                        .getAsInt())
                .isPositive();
        HttpResponse<String> metric = http.send(
                HttpRequest.newBuilder(URI.create(url("/actuator/metrics/gen_ai.client.token.usage")))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metric.statusCode()).isEqualTo(200);
        assertThat(metric.body()).contains("gen_ai.token.type").contains("gen_ai.provider.name");
    }

    @Test
    void theAssistantAnswersWithRetrievalAndMemory() throws Exception {
        HttpResponse<String> first = post("/api/ask", """
                {"conversation": "memory-test", "question": "What is Python?"}""");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonObject a = JsonParser.parseString(first.body()).getAsJsonObject();
        assertThat(a.get("answer").getAsString()).isNotNull();
        assertThat(a.getAsJsonArray("sources")).isNotEmpty();

        HttpResponse<String> second = post("/api/ask", """
                {"conversation": "memory-test", "question": "Is it free?"}""");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        // the second request carries the system message, the first exchange and the new question
        List<dev.langchain4j.data.message.ChatMessage> messages =
                recorded.requests.get(recorded.requests.size() - 1).messages();
        assertThat(messages).hasSize(4);
        assertThat(messages.get(1).toString()).contains("What is Python?");
        assertThat(((dev.langchain4j.data.message.AiMessage) messages.get(2)).text())
                .isEqualTo(a.get("answer").getAsString());
        assertThat(((dev.langchain4j.data.message.UserMessage) messages.get(3)).singleText())
                .contains("Is it free?");
        // another conversation starts afresh
        post("/api/ask", "{\"conversation\": \"other\", \"question\": \"Is it free?\"}");
        assertThat(recorded.requests.get(recorded.requests.size() - 1).messages())
                .hasSize(2);
        assertError(post("/api/ask", "{\"conversation\": \"c1\"}"), 400, "question", null);
    }

    static {
        // the HTTP client's own default would wait forever on a broken stream
        System.setProperty("jdk.httpclient.keepalive.timeout", "5");
    }

    @SuppressWarnings("unused")
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
}
