package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** {@code response_format} on the OpenAI-compatible API: JSON mode and JSON schemas by constrained decoding. */
class StructuredOutputApiTest extends RunningAppTest {

    enum Verdict {
        YES,
        NO
    }

    record Answer(Verdict verdict, boolean sure) {}

    interface Judge {
        Answer judge(String question);
    }

    private static final String SCHEMA = """
            {"type": "object", "properties": {"verdict": {"type": "string", "enum": ["yes", "no"]},
             "sure": {"type": "boolean"}}, "required": ["verdict", "sure"], "additionalProperties": false}""";

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String request(String responseFormat, boolean stream) {
        return """
                {"model": "demo-target", "max_tokens": 200, "stream": %s, "response_format": %s,
                 "messages": [{"role": "user", "content": "Is Python easy to learn? Answer in JSON."}]}""".formatted(stream, responseFormat);
    }

    @Test
    void anOpenAiClientsAiServiceGetsARecordFromAStrictJsonSchema() {
        OpenAiChatModel client = OpenAiChatModel.builder()
                .baseUrl(url("/v1"))
                .apiKey("unused")
                .modelName("demo-target")
                .temperature(0.0)
                .maxTokens(200)
                .responseFormat("json_schema")
                .strictJsonSchema(true)
                .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                .build();

        Answer answer = AiServices.create(Judge.class, client).judge("Is Python easy to learn?");

        assertThat(answer.verdict()).as("strict: every property required").isNotNull();
    }

    @Test
    void jsonObjectModeAnswersWithAJsonObject() throws Exception {
        HttpResponse<String> r = post(request("{\"type\": \"json_object\"}", false));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject choice = JsonParser.parseString(r.body())
                .getAsJsonObject()
                .getAsJsonArray("choices")
                .get(0)
                .getAsJsonObject();
        String content = CompletionBodies.content(r.body());
        assertThat(JsonParser.parseString(content).isJsonObject()).as(content).isTrue();
        assertThat(choice.get("finish_reason").getAsString()).isEqualTo("stop");
    }

    @Test
    void aJsonSchemaIsFollowedAndStreamsTheSameDocument() throws Exception {
        String format = "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"verdict\", \"strict\": true,"
                + " \"schema\": " + SCHEMA + "}}";
        HttpResponse<String> whole = post(request(format, false));
        HttpResponse<String> streamed = post(request(format, true));

        assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
        String content = CompletionBodies.content(whole.body());
        assertThat(content.strip())
                .matches("\\{\\s*\"verdict\"\\s*:\\s*\"(yes|no)\"\\s*,\\s*\"sure\"\\s*:\\s*(true|false)\\s*}");
        assertThat(CompletionBodies.streamedContent(streamed.body())).isEqualTo(content);
    }

    private static void assertBadResponseFormat(HttpResponse<String> r, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertThat(error.get("type").getAsString()).isEqualTo("invalid_request_error");
        assertThat(error.get("param").getAsString()).isEqualTo("response_format");
        assertThat(error.get("message").getAsString()).contains(messagePart);
    }

    @Test
    void aSchemaKeywordConstrainedDecodingCannotFollowGets400NamingItsPointer() throws Exception {
        String pattern = "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"user\", \"schema\":"
                + " {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\", \"pattern\": \"^u\"}}}}}";
        assertBadResponseFormat(post(request(pattern, false)), "/properties/id/pattern");
        assertBadResponseFormat(post(request(pattern, true)), "/properties/id/pattern");
        assertBadResponseFormat(post(request("{\"type\": \"yaml\"}", false)), "yaml");
        assertBadResponseFormat(
                post(request("{\"type\": \"json_schema\", \"json_schema\": {\"schema\": {}}}", false)), "name");
        assertBadResponseFormat(post(request("\"json\"", false)), "must be an object");
    }
}
