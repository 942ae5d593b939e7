package io.rasd.langchain4j;

import static io.rasd.langchain4j.RasdChatModelConformanceTest.CUSTOM_MODEL_NAME;
import static io.rasd.langchain4j.RasdChatModelConformanceTest.NONSENSE;
import static io.rasd.langchain4j.RasdChatModelConformanceTest.ONE_MODEL;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import io.rasd.engine.RasdEngine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LangChain4j's own conformance tests for a {@link StreamingChatModel} ({@link AbstractStreamingChatModelIT}, from
 * langchain4j-core's tests jar) on {@link RasdStreamingChatModel} with the demo models, through the handler API
 * (the default {@link dev.langchain4j.model.chat.common.StreamingMode}). Not through the
 * {@link java.util.concurrent.Flow.Publisher} API: RasdStreamingChatModel does not implement
 * {@code doChat(ChatRequest)}, whose LangChain4j default throws. Declared as {@link RasdChatModelConformanceTest}
 * is.
 */
class RasdStreamingChatModelConformanceTest extends AbstractStreamingChatModelIT {

    /** Package-private in AbstractStreamingChatModelIT, so not overridable with {@code @Disabled}. */
    @RegisterExtension
    static final SkipInheritedTests SKIPPED = new SkipInheritedTests(Map.of(
            "should_propagate_user_exceptions_thrown_from_onPartialResponse", NONSENSE + " ('Berlin')",
            "should_propagate_user_exceptions_thrown_from_onCompleteResponse", NONSENSE + " ('Berlin')",
            "should_ignore_user_exceptions_thrown_from_onError", NONSENSE + " ('Berlin')"));

    private final RasdEngine engine = DemoModels.engine();
    private final List<StreamingChatModel> models = List.of(
            RasdStreamingChatModel.builder().engine(engine).maxOutputTokens(32).build());

    @AfterAll
    void closeEngine() {
        engine.close();
    }

    @Override
    protected List<StreamingChatModel> baseModels() {
        return models;
    }

    @Override
    protected StreamingChatModel createModelWith(ChatRequestParameters parameters) {
        return RasdStreamingChatModel.builder()
                .engine(engine)
                .defaultRequestParameters(parameters)
                .build();
    }

    @Override
    public StreamingChatModel createModelWith(ChatModelListener listener) {
        return RasdStreamingChatModel.builder()
                .engine(engine)
                .maxOutputTokens(32)
                .listeners(List.of(listener))
                .build();
    }

    @Override
    protected ChatRequestParameters createIntegrationSpecificParameters(int maxOutputTokens) {
        return RasdChatRequestParameters.builder()
                .maxOutputTokens(maxOutputTokens)
                .build();
    }

    @Override
    protected String customModelName() {
        return CUSTOM_MODEL_NAME;
    }

    @Override
    protected Class<? extends ChatResponseMetadata> chatResponseMetadataType(StreamingChatModel model) {
        return RasdChatResponseMetadata.class;
    }

    @Override
    protected boolean supportsTools() {
        return false; // the models rasd runs have no function-calling format
    }

    @Override
    protected boolean supportsToolChoiceRequired() {
        return false;
    }

    @Override
    protected boolean supportsJsonResponseFormat() {
        return true; // by constrained decoding
    }

    @Override
    protected boolean supportsJsonResponseFormatWithSchema() {
        return true; // by constrained decoding
    }

    @Override
    protected boolean supportsJsonResponseFormatWithRawSchema() {
        return true; // by constrained decoding
    }

    @Override
    protected boolean supportsSingleImageInputAsBase64EncodedString() {
        return false; // text-only models
    }

    @Override
    protected boolean supportsSingleImageInputAsPublicURL() {
        return false;
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(NONSENSE + " ('Berlin')")
    protected void should_respect_user_message(StreamingChatModel model) {
        super.should_respect_user_message(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(NONSENSE + " ('liebe')")
    protected void should_respect_system_message(StreamingChatModel model) {
        super.should_respect_system_message(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(NONSENSE + " ('green')")
    protected void should_respect_multiple_messages(StreamingChatModel model) {
        super.should_respect_multiple_messages(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(NONSENSE + " ('Hello' before the stop sequence)")
    protected void should_respect_stopSequences_in_chat_request(StreamingChatModel model) {
        super.should_respect_stopSequences_in_chat_request(model);
    }

    @Override
    @Test
    @Disabled(NONSENSE + " ('Hello' before the stop sequence)")
    protected void should_respect_stopSequences_in_default_model_parameters() {
        super.should_respect_stopSequences_in_default_model_parameters();
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(ONE_MODEL)
    protected void should_respect_modelName_in_chat_request(StreamingChatModel model) {
        super.should_respect_modelName_in_chat_request(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(NONSENSE + " ('{\"city\": \"Berlin\"}'; the JSON is well-formed, StructuredOutputTest)")
    protected void should_respect_JSON_response_format(StreamingChatModel model) {
        super.should_respect_JSON_response_format(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(NONSENSE + " ('{\"city\": \"Berlin\"}'; the JSON is well-formed, StructuredOutputTest)")
    protected void should_respect_JSON_response_format_with_schema(StreamingChatModel model) {
        super.should_respect_JSON_response_format_with_schema(model);
    }

    @Override
    @ParameterizedTest
    @MethodSource("models")
    @Disabled(NONSENSE + " ('{\"city\": \"Berlin\"}'; the JSON is well-formed, StructuredOutputTest)")
    protected void should_respect_JsonRawSchema_responseFormat(StreamingChatModel model) {
        super.should_respect_JsonRawSchema_responseFormat(model);
    }
}
