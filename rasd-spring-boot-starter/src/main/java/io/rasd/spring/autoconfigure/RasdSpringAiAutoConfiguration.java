package io.rasd.spring.autoconfigure;

import io.rasd.engine.RasdEngine;
import io.rasd.springai.RasdSpringAiChatModel;
import io.rasd.springai.RasdSpringAiChatOptions;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * A Spring AI {@code ChatModel} / {@code StreamingChatModel} on the engine when rasd-spring-ai (with spring-ai-model)
 * is on the classpath; its default options come from {@code rasd.generation.*} and {@code rasd.mode}.
 */
@AutoConfiguration(after = RasdAutoConfiguration.class)
@ConditionalOnClass({ChatModel.class, RasdSpringAiChatModel.class})
@ConditionalOnBean(RasdEngine.class)
@ConditionalOnBooleanProperty(name = "rasd.spring-ai.enabled", matchIfMissing = true)
public class RasdSpringAiAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RasdSpringAiChatModel rasdSpringAiChatModel(RasdEngine engine, RasdProperties properties) {
        RasdProperties.Generation g = properties.getGeneration();
        RasdSpringAiChatOptions.Builder options = RasdSpringAiChatOptions.builder()
                .mode(properties.getMode())
                .seed(g.getSeed())
                .timeout(g.getTimeout());
        options.temperature(g.getTemperature()).maxTokens(g.getMaxNewTokens());
        if (g.getTopK() > 0) {
            options.topK(g.getTopK());
        }
        if (g.getTopP() < 1) {
            options.topP(g.getTopP());
        }
        if (!g.getStopSequences().isEmpty()) {
            options.stopSequences(g.getStopSequences());
        }
        return RasdSpringAiChatModel.builder()
                .engine(engine)
                .modelName(properties.getModelName())
                .toolCallFormat(properties.getToolCallFormat())
                .defaultOptions(options.build())
                .build();
    }
}
