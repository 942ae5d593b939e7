package io.rasd.langchain4j;

import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import io.rasd.engine.RasdEngine;
import io.rasd.text.ChatTemplate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * LangChain4j's own listener conformance tests ({@link AbstractChatModelListenerIT}, from langchain4j-core's tests
 * jar) on {@link RasdChatModel} with the demo models. The failing model has a chat template that rejects every
 * conversation, as Hugging Face templates do with {@code raise_exception}: the request fails with
 * {@link InvalidRequestException} before generating.
 */
class RasdChatModelListenerConformanceTest extends AbstractChatModelListenerIT {

    /** A chat template that rejects every conversation. */
    static final ChatTemplate REJECTING_TEMPLATE =
            ChatTemplate.of("{{ raise_exception('this template rejects every conversation') }}", Map.of());

    private static final RasdEngine ENGINE = DemoModels.engine();

    @AfterAll
    static void closeEngine() {
        ENGINE.close();
    }

    @Override
    protected ChatModel createModel(ChatModelListener listener) {
        return RasdChatModel.builder()
                .engine(ENGINE)
                .temperature(temperature())
                .topP(topP())
                .maxOutputTokens(maxTokens())
                .listeners(List.of(listener))
                .build();
    }

    @Override
    protected String modelName() {
        return "demo-target"; // the target model's directory name
    }

    @Override
    protected ChatModel createFailingModel(ChatModelListener listener) {
        return RasdChatModel.builder()
                .engine(ENGINE)
                .chatTemplate(REJECTING_TEMPLATE)
                .maxOutputTokens(maxTokens())
                .listeners(List.of(listener))
                .build();
    }

    @Override
    protected Class<? extends Exception> expectedExceptionClass() {
        return InvalidRequestException.class;
    }

    @Override
    protected boolean supportsTools() {
        return false; // the models rasd runs have no function-calling format
    }
}
