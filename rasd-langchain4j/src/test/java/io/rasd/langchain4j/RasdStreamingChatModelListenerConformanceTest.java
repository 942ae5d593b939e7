package io.rasd.langchain4j;

import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import io.rasd.engine.RasdEngine;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * LangChain4j's own listener conformance tests ({@link AbstractStreamingChatModelListenerIT}, from langchain4j-core's
 * tests jar) on {@link RasdStreamingChatModel} with the demo models; the failing model is
 * {@link RasdChatModelListenerConformanceTest}'s.
 */
class RasdStreamingChatModelListenerConformanceTest extends AbstractStreamingChatModelListenerIT {

    private static final RasdEngine ENGINE = DemoModels.engine();

    @AfterAll
    static void closeEngine() {
        ENGINE.close();
    }

    @Override
    protected StreamingChatModel createModel(ChatModelListener listener) {
        return RasdStreamingChatModel.builder()
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
    protected StreamingChatModel createFailingModel(ChatModelListener listener) {
        return RasdStreamingChatModel.builder()
                .engine(ENGINE)
                .chatTemplate(RasdChatModelListenerConformanceTest.REJECTING_TEMPLATE)
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
