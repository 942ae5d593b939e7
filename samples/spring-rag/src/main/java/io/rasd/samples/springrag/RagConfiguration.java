package io.rasd.samples.springrag;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.store.embedding.EmbeddingStore;
import io.rasd.spring.feed.RasdFeedReplica;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The LangChain4j side of RAG: embeddings (all-MiniLM-L6-v2, bundled, runs offline), the embedding store (saved to a
 * file), the retriever and per-conversation memory. With {@code rasd.rag.feed-embedding-store=true} the starter wraps
 * the store bean, so every segment ingested through it also lands in rasd's token datastore.
 */
@Configuration(proxyBeanMethods = false)
class RagConfiguration {

    @Bean
    EmbeddingModel embeddingModel() {
        return new AllMiniLmL6V2EmbeddingModel();
    }

    /** Without a store of record: the embedding store is this replica's own, saved to rag.store-file. */
    @Bean
    @ConditionalOnBooleanProperty(name = "rasd.feed.enabled", havingValue = false, matchIfMissing = true)
    EmbeddingStoreFile embeddingStoreFile(RagProperties properties) {
        return EmbeddingStoreFile.open(properties.getStoreFile());
    }

    /**
     * This replica's embedding store: with a store of record ({@code rasd.feed.enabled}, the postgres profile) the
     * index the starter's replica keeps in step with it, otherwise the one saved to rag.store-file.
     */
    @Bean
    EmbeddingStore<TextSegment> embeddingStore(
            ObjectProvider<EmbeddingStoreFile> file, ObjectProvider<RasdFeedReplica> replica) {
        RasdFeedReplica r = replica.getIfAvailable();
        return r != null ? r.embeddingStore() : file.getObject().store();
    }

    @Bean
    ContentRetriever contentRetriever(
            EmbeddingStore<TextSegment> embeddingStore, EmbeddingModel embeddingModel, RagProperties properties) {
        return EmbeddingStoreContentRetriever.builder()
                .embeddingStore(embeddingStore)
                .embeddingModel(embeddingModel)
                .maxResults(properties.getMaxResults())
                .minScore(properties.getMinScore())
                .build();
    }

    @Bean
    ChatMemoryProvider chatMemoryProvider(RagProperties properties) {
        return id -> MessageWindowChatMemory.withMaxMessages(properties.getMemoryMessages());
    }
}
