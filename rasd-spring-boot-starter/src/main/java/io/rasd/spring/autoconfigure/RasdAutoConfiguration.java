package io.rasd.spring.autoconfigure;

import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.engine.PrefixCache;
import io.rasd.engine.RasdEngine;
import io.rasd.text.Tokenizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The rasd engine from {@code rasd.*} properties: target and draft models, the target's tokenizer, the token
 * datastore, the prefix KV cache, and the engine that runs them. Define any of these beans yourself to replace it; define a
 * {@link RasdEngine} to replace them all (nothing is loaded then).
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "rasd.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RasdProperties.class)
public class RasdAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(RasdEngine.class)
    static class EngineConfiguration {

        @Bean
        @ConditionalOnMissingBean
        RasdModels rasdModels(RasdProperties properties) {
            return RasdModelLoader.loadModels(properties);
        }

        @Bean
        @ConditionalOnMissingBean
        Tokenizer rasdTokenizer(RasdProperties properties) {
            return RasdModelLoader.loadTokenizer(properties);
        }

        @Bean
        @ConditionalOnMissingBean
        TokenDatastore rasdDatastore(RasdProperties properties, Tokenizer tokenizer) {
            return RasdModelLoader.datastore(properties.getDatastore(), tokenizer);
        }

        @Bean
        @ConditionalOnBooleanProperty("rasd.datastore.persist")
        @ConditionalOnMissingBean
        RasdDatastorePersistence rasdDatastorePersistence(
                RasdProperties properties, TokenDatastore datastore, Tokenizer tokenizer) {
            RasdProperties.Datastore d = properties.getDatastore();
            if (d.getPersistInterval() != null && d.getPersistInterval().isNegative()) {
                throw new RasdConfigurationException(
                        "rasd.datastore.persist-interval",
                        d.getPersistInterval(),
                        "must not be negative",
                        "Give a positive duration such as 30s, or 0 to save at shut-down" + " only.");
            }
            return new RasdDatastorePersistence(datastore, tokenizer, d.getPath(), d.getPersistInterval());
        }

        @Bean
        @ConditionalOnBooleanProperty(name = "rasd.prefix-cache.enabled", matchIfMissing = true)
        @ConditionalOnMissingBean
        PrefixCache rasdPrefixCache(RasdProperties properties) {
            RasdProperties.PrefixCache p = properties.getPrefixCache();
            return PrefixCache.builder()
                    .maxBytes(p.getMaxSize().toBytes())
                    .minPrefixTokens(p.getMinPrefixTokens())
                    .build();
        }

        @Bean
        RasdEngine rasdEngine(
                RasdProperties properties,
                RasdModels models,
                Tokenizer tokenizer,
                TokenDatastore datastore,
                ObjectProvider<PrefixCache> prefixCache) {
            RasdProperties.Concurrency c = properties.getConcurrency();
            try {
                return RasdEngine.builder()
                        .target(models.target())
                        .draft(models.draft())
                        .drafter(
                                models.eagleHead() == null
                                        ? null
                                        : new EagleDrafter(models.eagleHead(), tokenizer.vocabSize()))
                        .tokenizer(tokenizer)
                        .datastore(datastore)
                        .prefixCache(prefixCache.getIfAvailable())
                        .speculation(RasdModelLoader.speculation(properties.getSpeculation()))
                        .maxConcurrentGenerations(c.getMaxConcurrentGenerations())
                        .maxQueuedGenerations(c.getMaxQueuedGenerations())
                        .queueTimeout(c.getQueueTimeout())
                        .build();
            } catch (RasdConfigurationException e) {
                throw e;
            } catch (RasdException e) {
                // the models loaded on their own, so what does not fit is the draft beside the target
                boolean draft = models.draft() != null;
                String property = draft ? "rasd.draft.path" : "rasd.target.path";
                throw new RasdConfigurationException(
                        property,
                        draft ? models.draft().directory() : models.target().directory(),
                        e.getMessage(),
                        draft
                                ? "Use a draft model with the target's tokenizer and vocabulary, or unset rasd.draft.path."
                                : "Point rasd.target.path at a model directory whose tokenizer matches its weights.",
                        e);
            }
        }
    }
}
