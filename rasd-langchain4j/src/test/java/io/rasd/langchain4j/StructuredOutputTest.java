package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.RasdEngine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JSON response formats through LangChain4j: constrained decoding makes the demo models, which know nothing of JSON,
 * write documents that parse (their content is the model's noise, their structure the schema's).
 */
class StructuredOutputTest {

    enum Verdict {
        YES,
        NO,
        MAYBE
    }

    record Answer(Verdict verdict, boolean sure, List<String> reasons) {}

    interface Judge {
        Answer judge(String question);
    }

    private static final String QUESTION = "Is Perl a good language for text processing? Answer in JSON.";

    private static RasdEngine engine;
    private static RasdChatModel model;
    private static final List<ChatRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private static final List<ChatResponse> responses = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void setUp() {
        engine = DemoModels.engine();
        ChatModelListener capture = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext ctx) {
                requests.add(ctx.chatRequest());
            }

            @Override
            public void onResponse(ChatModelResponseContext ctx) {
                responses.add(ctx.chatResponse());
            }
        };
        model = RasdChatModel.builder()
                .engine(engine)
                .maxOutputTokens(256)
                .listeners(List.of(capture))
                .build();
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    @Test
    void anAiServiceReturningARecordGetsOneParsedFromTheConstrainedOutput() {
        Judge judge = AiServices.create(Judge.class, model);
        requests.clear();
        responses.clear();

        Answer answer = judge.judge(QUESTION);

        // LangChain4j's schema of a record marks no property required: the model chose which to write (the v2
        // demo target writes {} greedily, which the schema allows), and AiServices parsed what it wrote (a document
        // that did not parse would have thrown)
        assertThat(answer).isNotNull();
        String text = responses.get(0).aiMessage().text();
        assertThat(JsonParser.parseString(text).getAsJsonObject().keySet())
                .as(text)
                .isSubsetOf("verdict", "sure", "reasons");
        // the schema went with the request (the capability), not format instructions in the prompt
        ChatRequest sent = requests.get(0);
        assertThat(sent.parameters().responseFormat().type()).isEqualTo(ResponseFormatType.JSON);
        assertThat(sent.parameters().responseFormat().jsonSchema()).isNotNull();
        assertThat(((UserMessage) sent.messages().get(0)).singleText()).isEqualTo(QUESTION);
    }

    @Test
    void jsonModeWritesOneJsonObjectAndEndsWithStop() {
        ChatResponse response = model.chat(ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .responseFormat(ResponseFormat.JSON)
                .build());
        String text = response.aiMessage().text();
        assertThat(JsonParser.parseString(text).isJsonObject()).as(text).isTrue();
        assertThat(response.metadata().finishReason()).isEqualTo(dev.langchain4j.model.output.FinishReason.STOP);
        assertThat(((RasdChatResponseMetadata) response.metadata()).stats().constraintSeconds())
                .isPositive();
    }

    @Test
    void aSchemaGivesTheSameDocumentInEveryModeAndWhileStreaming() throws Exception {
        ResponseFormat format = ResponseFormat.builder()
                .type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder()
                        .name("answer")
                        .rootElement(JsonObjectSchema.builder()
                                .addProperty(
                                        "verdict",
                                        JsonEnumSchema.builder()
                                                .enumValues("yes", "no")
                                                .build())
                                .addBooleanProperty("sure")
                                .required("verdict", "sure")
                                .build())
                        .build())
                .build();
        List<String> texts = new ArrayList<>();
        for (DecodingMode mode : List.of(DecodingMode.AR, DecodingMode.RASD_PLD)) {
            texts.add(model.chat(ChatRequest.builder()
                            .messages(UserMessage.from(QUESTION))
                            .parameters(RasdChatRequestParameters.builder()
                                    .mode(mode)
                                    .responseFormat(format)
                                    .build())
                            .build())
                    .aiMessage()
                    .text());
        }
        RasdStreamingChatModel streaming = RasdStreamingChatModel.builder()
                .engine(engine)
                .maxOutputTokens(256)
                .build();
        RasdStreamingChatModelTest.Recorder recorder = new RasdStreamingChatModelTest.Recorder();
        streaming.chat(
                ChatRequest.builder()
                        .messages(UserMessage.from(QUESTION))
                        .responseFormat(format)
                        .build(),
                recorder);
        texts.add(recorder.done.get(120, TimeUnit.SECONDS).aiMessage().text());

        assertThat(texts).containsOnly(texts.get(0));
        assertThat(texts.get(0))
                .matches("\\s*\\{\\s*\"verdict\"\\s*:\\s*\"(yes|no)\"\\s*,\\s*\"sure\"\\s*:\\s*(true|false)\\s*}");
    }

    @Test
    void anUnsupportedSchemaKeywordIsRefusedNamingItsJsonPointer() {
        ResponseFormat format = ResponseFormat.builder()
                .type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder()
                        .name("user")
                        .rootElement(JsonRawSchema.from("{\"type\":\"object\",\"properties\":{\"id\":"
                                + "{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"}},\"required\":[\"id\"]}"))
                        .build())
                .build();
        ChatRequest request = ChatRequest.builder()
                .messages(UserMessage.from(QUESTION))
                .responseFormat(format)
                .build();

        assertThatThrownBy(() -> model.chat(request))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("responseFormat")
                .hasMessageContaining("\"user\"")
                .hasMessageContaining("/properties/id/pattern");
        RasdStreamingChatModelTest.Recorder recorder = new RasdStreamingChatModelTest.Recorder();
        RasdStreamingChatModel.builder().engine(engine).build().chat(request, recorder);
        assertThat(recorder.done)
                .failsWithin(10, TimeUnit.SECONDS)
                .withThrowableThat()
                .withMessageContaining("/properties/id/pattern");
        assertThatThrownBy(() -> RasdChatModel.builder()
                        .engine(engine)
                        .defaultRequestParameters(RasdChatRequestParameters.builder()
                                .responseFormat(format)
                                .build())
                        .build())
                .as("invalid defaults fail at build time")
                .hasMessageContaining("/properties/id/pattern");
    }

    @Test
    void schemaElementsAreWrittenAsTheJsonSchemaLangChain4jProvidersSend() {
        JsonSchemaElement node = JsonObjectSchema.builder()
                .description("a tree")
                .addStringProperty("name")
                .addProperty(
                        "children",
                        JsonArraySchema.builder()
                                .items(JsonReferenceSchema.builder()
                                        .reference("Node")
                                        .build())
                                .build())
                .required("name")
                .additionalProperties(false)
                .definitions(java.util.Map.of(
                        "Node",
                        JsonObjectSchema.builder().addIntegerProperty("n").build()))
                .build();

        assertThat(ResponseFormats.document(node).toString())
                .isEqualTo("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"children\":"
                        + "{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Node\"}}},\"required\":[\"name\"],"
                        + "\"additionalProperties\":false,\"$defs\":{\"Node\":{\"type\":\"object\",\"properties\":"
                        + "{\"n\":{\"type\":\"integer\"}}}},\"description\":\"a tree\"}");
        assertThat(ResponseFormats.document(JsonObjectSchema.builder().build()).toString())
                .as("an object without properties is any object (a Map), not the empty object")
                .isEqualTo("{\"type\":\"object\"}");
    }
}
