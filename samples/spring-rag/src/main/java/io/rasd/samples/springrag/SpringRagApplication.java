package io.rasd.samples.springrag;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A RAG application on rasd: documents are embedded at start-up (LangChain4j, offline all-MiniLM-L6-v2, the store
 * saved to a file) and the starter feeds every segment into the engine's token datastore; an {@code @AiService}
 * assistant answers with retrieval and memory; an OpenAI-compatible API and a web page stream answers with the origin
 * of every token.
 */
@SpringBootApplication
@EnableConfigurationProperties(RagProperties.class)
public class SpringRagApplication {

    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // nothing downloads at run time
        }
        SpringApplication.run(SpringRagApplication.class, args);
    }
}
