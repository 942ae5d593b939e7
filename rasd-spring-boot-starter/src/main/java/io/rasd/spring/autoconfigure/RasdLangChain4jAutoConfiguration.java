package io.rasd.spring.autoconfigure;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.rasd.engine.RasdEngine;
import io.rasd.langchain4j.RasdBaseChatModel;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.langchain4j.RasdDatastoreListener;
import io.rasd.langchain4j.RasdRag;
import io.rasd.langchain4j.RasdStreamingChatModel;
import io.rasd.langchain4j.RasdTokenCountEstimator;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * LangChain4j chat models on the engine, when rasd-langchain4j is on the classpath. Their default request parameters
 * come from {@code rasd.generation.*} and {@code rasd.mode}; every {@link ChatModelListener} bean is attached.
 *
 * <p>Beside another provider's {@code ChatModel} bean, LangChain4j's {@code @AiService} automatic wiring refuses to
 * choose: name the model with {@code @AiService(wiringMode = EXPLICIT, chatModel = "rasdChatModel")}, or switch these
 * beans off with {@code rasd.langchain4j.enabled=false}.
 */
@AutoConfiguration(after = RasdAutoConfiguration.class)
@ConditionalOnClass({ChatModel.class, RasdChatModel.class})
@ConditionalOnBean(RasdEngine.class)
@ConditionalOnBooleanProperty(name = "rasd.langchain4j.enabled", matchIfMissing = true)
public class RasdLangChain4jAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RasdChatModel rasdChatModel(
            RasdEngine engine, RasdProperties properties, ObjectProvider<ChatModelListener> listeners) {
        return configure(RasdChatModel.builder(), engine, properties, listeners).build();
    }

    @Bean
    @ConditionalOnMissingBean
    RasdStreamingChatModel rasdStreamingChatModel(
            RasdEngine engine, RasdProperties properties, ObjectProvider<ChatModelListener> listeners) {
        return configure(RasdStreamingChatModel.builder(), engine, properties, listeners)
                .build();
    }

    @Bean
    @ConditionalOnMissingBean
    RasdTokenCountEstimator rasdTokenCountEstimator(RasdEngine engine) {
        return RasdTokenCountEstimator.of(engine);
    }

    private static <B extends RasdBaseChatModel.Builder<?, B>> B configure(
            B builder, RasdEngine engine, RasdProperties properties, ObjectProvider<ChatModelListener> listeners) {
        RasdProperties.Generation g = properties.getGeneration();
        builder.engine(engine)
                .modelName(properties.getModelName())
                .mode(properties.getMode())
                .temperature(g.getTemperature())
                .maxOutputTokens(g.getMaxNewTokens())
                .seed(g.getSeed())
                .timeout(g.getTimeout())
                .toolCallFormat(properties.getToolCallFormat())
                .listeners(listeners.orderedStream().toList());
        if (g.getTopK() > 0) {
            builder.topK(g.getTopK());
        }
        if (g.getTopP() < 1) {
            builder.topP(g.getTopP());
        }
        if (!g.getStopSequences().isEmpty()) {
            builder.stopSequences(g.getStopSequences());
        }
        return builder;
    }

    /** {@code rasd.rag.feed-embedding-store=true}: the application's embedding stores feed the token datastore. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty("rasd.rag.feed-embedding-store")
    static class RagFeedConfiguration {

        @Bean
        @ConditionalOnMissingBean
        RasdDatastoreListener rasdDatastoreListener(RasdEngine engine) {
            return RasdRag.listener(engine);
        }

        // static: a post-processor is created before other beans; it looks its collaborators up lazily
        @Bean
        static RasdEmbeddingStoreFeeder rasdEmbeddingStoreFeeder(
                ConfigurableListableBeanFactory beanFactory,
                ObjectProvider<RasdDatastoreListener> listener,
                ObjectProvider<EmbeddingModel> embeddingModel,
                Environment environment) {
            int backfill = environment.getProperty("rasd.rag.backfill-max-segments", Integer.class, 100_000);
            if (backfill < 0) {
                throw new RasdConfigurationException(
                        "rasd.rag.backfill-max-segments",
                        backfill,
                        "must be >= 0",
                        "Set it to 0 (no backfill) or the most segments to index at start-up.");
            }
            // the ids the datastore bean gives the rasd.datastore.inputs documents: their paths as listed; null when
            // the datastore is not opened from a file (then it can hold nothing stale to remove)
            boolean fromFile = environment.getProperty("rasd.datastore.path") != null;
            Supplier<Set<String>> inputIds = () -> RasdModelLoader.inputFiles(Binder.get(environment)
                            .bind("rasd.datastore.inputs", Bindable.listOf(Path.class))
                            .orElse(List.of()))
                    .stream()
                    .map(Path::toString)
                    .collect(Collectors.toSet());
            return new RasdEmbeddingStoreFeeder(
                    beanFactory, listener, embeddingModel, backfill, fromFile ? inputIds : null);
        }
    }
}
