package io.rasd.samples.springrag;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.store.embedding.EmbeddingStore;
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

    @Bean
    EmbeddingStoreFile embeddingStoreFile(RagProperties properties) {
        return EmbeddingStoreFile.open(properties.getStoreFile());
    }

    @Bean
    EmbeddingStore<TextSegment> embeddingStore(EmbeddingStoreFile file) {
        return file.store();
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
