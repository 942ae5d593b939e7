package io.rasd.samples.springrag;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** The sample's own {@code rag.*} properties (rasd's are under {@code rasd.*}). */
@ConfigurationProperties("rag")
public class RagProperties {

    /** Files, or folders of them, ingested at start-up (UTF-8 text). */
    private List<Path> documents = new ArrayList<>(List.of(Path.of("models/demo-corpus/python/faq")));

    /** Where the embedding store is saved, so a restart does not embed the same documents again. */
    private Path storeFile = Path.of("target/spring-rag/embeddings.json");

    /** Segment size in tokens of the target model's tokenizer. */
    private int segmentTokens = 120;

    /** Segments retrieved per question. */
    private int maxResults = 3;

    /** Lowest relevance score a retrieved segment may have. */
    private double minScore = 0.5;

    /** Messages the assistant remembers per conversation. */
    private int memoryMessages = 10;

    private final Api api = new Api();

    public List<Path> getDocuments() {
        return documents;
    }

    public void setDocuments(List<Path> documents) {
        this.documents = documents;
    }

    public Path getStoreFile() {
        return storeFile;
    }

    public void setStoreFile(Path storeFile) {
        this.storeFile = storeFile;
    }

    public int getSegmentTokens() {
        return segmentTokens;
    }

    public void setSegmentTokens(int segmentTokens) {
        this.segmentTokens = segmentTokens;
    }

    public int getMaxResults() {
        return maxResults;
    }

    public void setMaxResults(int maxResults) {
        this.maxResults = maxResults;
    }

    public double getMinScore() {
        return minScore;
    }

    public void setMinScore(double minScore) {
        this.minScore = minScore;
    }

    public int getMemoryMessages() {
        return memoryMessages;
    }

    public void setMemoryMessages(int memoryMessages) {
        this.memoryMessages = memoryMessages;
    }

    public Api getApi() {
        return api;
    }

    /** The HTTP API. */
    public static class Api {

        /** When set, every /v1 and /api request needs "Authorization: Bearer KEY". */
        private String key;

        /** Largest request body accepted; larger ones get 413. */
        private DataSize maxRequestSize = DataSize.ofKilobytes(256);

        public String getKey() {
            return key;
        }

        public void setKey(String key) {
            this.key = key;
        }

        public DataSize getMaxRequestSize() {
            return maxRequestSize;
        }

        public void setMaxRequestSize(DataSize maxRequestSize) {
            this.maxRequestSize = maxRequestSize;
        }
    }
}
