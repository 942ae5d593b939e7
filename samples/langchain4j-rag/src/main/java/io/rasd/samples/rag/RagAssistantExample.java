package io.rasd.samples.rag;

import ai.djl.Device;
import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.RasdEngine;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.langchain4j.RasdChatResponseMetadata;
import io.rasd.langchain4j.RasdRag;
import io.rasd.langchain4j.RasdStreamingChatModel;
import io.rasd.langchain4j.RasdTokenCountEstimator;
import io.rasd.model.CausalLm;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A LangChain4j RAG assistant on rasd, end to end and offline:
 * <ol>
 *   <li>load the demo target and draft models into one {@link RasdEngine} with an empty token datastore;</li>
 *   <li>ingest documents with LangChain4j ({@link EmbeddingStoreIngestor}, the all-MiniLM-L6-v2 embedding model, an
 *       in-memory store) through {@link RasdRag#feed}, so every segment also lands in the datastore;</li>
 *   <li>ask an {@link AiServices} assistant with RAG and chat memory, streaming the answers;</li>
 *   <li>print what speculation did (τ, accepted tokens by source) and check the answer against plain decoding.</li>
 * </ol>
 * Arguments: {@code [--max-tokens N] [question ...]}.
 */
public final class RagAssistantExample {

    interface Assistant {
        TokenStream answer(String question);
    }

    interface PlainAssistant {
        String answer(String question);
    }

    private RagAssistantExample() {}

    public static void main(String[] args) throws Exception {
        run(args, System.out);
    }

    static void run(String[] args, PrintStream out) throws Exception {
        int maxTokens = 96;
        List<String> questions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--max-tokens") && i + 1 < args.length) {
                maxTokens = Integer.parseInt(args[++i]);
            } else {
                questions.add(args[i]);
            }
        }
        if (questions.isEmpty()) {
            questions = List.of(
                    "How do I count the number of lines in a file?",
                    "How can I make a filehandle local to a subroutine?");
        }
        Path models = home().resolve("models");

        try (CausalLm target = CausalLm.load(models.resolve("demo-target"), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(models.resolve("demo-draft"), Device.cpu(), 0);
                Tokenizer tokenizer = Tokenizer.load(models.resolve("demo-target"));
                RasdEngine engine = RasdEngine.builder()
                        .target(target)
                        .draft(draft)
                        .tokenizer(tokenizer)
                        .datastore(TokenDatastore.empty())
                        .build()) {

            // 1. ingestion: LangChain4j as usual, with the store rasd's listener is attached to
            EmbeddingModel embeddings = new AllMiniLmL6V2EmbeddingModel();
            EmbeddingStore<TextSegment> store = RasdRag.feed(new InMemoryEmbeddingStore<>(), engine);
            List<Document> documents = documents(models.resolve("demo-corpus/perl"));
            long t0 = System.nanoTime();
            EmbeddingStoreIngestor.builder()
                    .documentSplitter(DocumentSplitters.recursive(200, 20, RasdTokenCountEstimator.of(engine)))
                    .embeddingModel(embeddings)
                    .embeddingStore(store)
                    .build()
                    .ingest(documents);
            out.printf(
                    Locale.ROOT,
                    "ingested %d documents in %.1f s: the datastore holds %d segments, %d tokens%n",
                    documents.size(),
                    (System.nanoTime() - t0) / 1e9,
                    engine.datastore().documentCount(),
                    engine.datastore().tokenCount());

            // 2. an assistant with RAG and memory on the streaming model
            ContentRetriever retriever = EmbeddingStoreContentRetriever.builder()
                    .embeddingStore(store)
                    .embeddingModel(embeddings)
                    .maxResults(2)
                    .build();
            Assistant assistant = AiServices.builder(Assistant.class)
                    .streamingChatModel(RasdStreamingChatModel.builder()
                            .engine(engine)
                            .maxOutputTokens(maxTokens)
                            .build())
                    .chatMemory(MessageWindowChatMemory.withMaxMessages(6))
                    .contentRetriever(retriever)
                    .build();
            for (String q : questions) {
                out.printf("%n> %s%n", q);
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                assistant
                        .answer(q)
                        .onPartialResponse(text -> {
                            out.print(text);
                            out.flush();
                        })
                        .onCompleteResponse(done::complete)
                        .onError(done::completeExceptionally)
                        .start();
                ChatResponse response = done.get(10, TimeUnit.MINUTES);
                out.printf("%n%s%n", stats((RasdChatResponseMetadata) response.metadata()));
            }

            // 3. the first question once more, without memory, with rasd and with plain decoding
            String q = questions.get(0);
            String[] answers = new String[2];
            double[] seconds = new double[2];
            DecodingMode[] modes = {DecodingMode.RASD, DecodingMode.AR};
            for (int i = 0; i < 2; i++) {
                PlainAssistant once = AiServices.builder(PlainAssistant.class)
                        .chatModel(RasdChatModel.builder()
                                .engine(engine)
                                .mode(modes[i])
                                .maxOutputTokens(maxTokens)
                                .build())
                        .contentRetriever(retriever)
                        .build();
                long s = System.nanoTime();
                answers[i] = once.answer(q);
                seconds[i] = (System.nanoTime() - s) / 1e9;
            }
            out.printf(
                    Locale.ROOT,
                    "%nrasd %.2f s, plain decoding %.2f s (%.2fx); identical: %s%n",
                    seconds[0],
                    seconds[1],
                    seconds[1] / seconds[0],
                    answers[0].equals(answers[1]) ? "yes" : "NO");
            if (!answers[0].equals(answers[1])) {
                throw new IllegalStateException("rasd and plain decoding disagree: lossless decoding is broken");
            }
        }
    }

    static String stats(RasdChatResponseMetadata m) {
        return String.format(
                Locale.ROOT,
                "[%s: %d tokens, %.1f tok/s, tau %.2f; accepted from draft %d, prompt lookup"
                        + " %d, datastore %d, target %d; finish %s]",
                m.mode().cliName(),
                m.tokenUsage().outputTokenCount(),
                m.tokensPerSecond(),
                m.meanAcceptedTokens(),
                m.acceptedTokens(TokenOrigin.DRAFT),
                m.acceptedTokens(TokenOrigin.PLD),
                m.acceptedTokens(TokenOrigin.DATASTORE),
                m.acceptedTokens(TokenOrigin.TARGET),
                m.finishReason());
    }

    private static List<Document> documents(Path dir) throws IOException {
        List<Document> docs = new ArrayList<>();
        for (String name : List.of("perlfaq5.pod", "perlfaq3.pod", "perldsc.pod")) {
            docs.add(Document.from(Files.readString(dir.resolve(name)), Metadata.from("file", name)));
        }
        return docs;
    }

    /** The repository root: {@code -Drasd.home}, else the first directory upwards that has {@code models/}. */
    static Path home() {
        String home = System.getProperty("rasd.home");
        if (home != null) {
            return Path.of(home);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/demo-target"))) {
                return p;
            }
        }
        throw new IllegalStateException("models/demo-target not found above "
                + Path.of("").toAbsolutePath() + "; run from the repository or set -Drasd.home");
    }
}
