package io.rasd.langchain4j;

import static dev.langchain4j.store.embedding.filter.MetadataFilterBuilder.metadataKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.RasdEngine;
import io.rasd.text.ChatTemplate;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j ingestion feeds the datastore, and what it fed comes back as datastore-sourced accepted tokens. */
class RagIngestionTest {

    private static final String QUESTION = "How do I count the number of lines in a file?";
    private static EmbeddingModel embeddings;
    private static List<Document> documents;

    interface Assistant {
        String answer(String question);
    }

    @BeforeAll
    static void setUp() throws IOException {
        embeddings = new AllMiniLmL6V2EmbeddingModel();
        documents = new ArrayList<>();
        for (String name : List.of("perlfaq5.pod", "perlfaq3.pod", "perldsc.pod")) {
            Path file = DemoModels.corpus().resolve("perl").resolve(name);
            documents.add(Document.from(Files.readString(file), Metadata.from("file", name)));
        }
    }

    private static EmbeddingStoreIngestor ingestor(EmbeddingStore<TextSegment> store, RasdEngine engine) {
        return EmbeddingStoreIngestor.builder()
                .documentSplitter(DocumentSplitters.recursive(200, 20, RasdTokenCountEstimator.of(engine)))
                .embeddingModel(embeddings)
                .embeddingStore(store)
                .build();
    }

    private static List<EmbeddingMatch<TextSegment>> everything(EmbeddingStore<TextSegment> store) {
        return store.search(EmbeddingSearchRequest.builder()
                        .queryEmbedding(embeddings.embed("x").content())
                        .maxResults(100_000)
                        .minScore(0.0)
                        .build())
                .matches();
    }

    @Test
    void ingestedSegmentsAreIndexedUnderTheirIdsAtTheSizeTheSplitterWasAskedFor() {
        try (RasdEngine engine = DemoModels.engine()) {
            InMemoryEmbeddingStore<TextSegment> raw = new InMemoryEmbeddingStore<>();
            EmbeddingStore<TextSegment> store = RasdRag.feed(raw, engine);
            ingestor(store, engine).ingest(documents);

            List<EmbeddingMatch<TextSegment>> stored = everything(raw);
            assertThat(stored).hasSizeGreaterThan(50);
            TokenDatastore ds = engine.datastore();
            assertThat(ds.documentCount()).isEqualTo(stored.size());
            long tokens = 0;
            for (EmbeddingMatch<TextSegment> m : stored) {
                assertThat(ds.contains(m.embeddingId())).isTrue();
                int n = engine.tokenizer().encode(m.embedded().text(), false).length;
                assertThat(n).isLessThanOrEqualTo(200);
                tokens += n;
            }
            assertThat(ds.tokenCount()).isEqualTo(tokens);
        }
    }

    @Test
    void removalsByIdIdsFilterAndAllAreMirrored() {
        try (RasdEngine engine = DemoModels.engine()) {
            InMemoryEmbeddingStore<TextSegment> raw = new InMemoryEmbeddingStore<>();
            RasdDatastoreListener listener = RasdRag.listener(engine);
            EmbeddingStore<TextSegment> store = RasdRag.feed(raw, listener);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                TextSegment s = TextSegment.from(
                        "segment number " + i + " about Perl file handles",
                        Metadata.from("group", i % 2 == 0 ? "even" : "odd"));
                ids.add(store.add(embeddings.embed(s).content(), s));
            }
            List<TextSegment> batch = List.of(
                    TextSegment.from("batch one", Metadata.from("group", "batch")),
                    TextSegment.from("batch two", Metadata.from("group", "batch")));
            ids.addAll(store.addAll(embeddings.embedAll(batch).content(), batch));
            TokenDatastore ds = engine.datastore();
            assertThat(ds.documentCount()).isEqualTo(8);

            store.remove(ids.get(0));
            assertThat(ds.contains(ids.get(0))).isFalse();
            store.removeAll(List.of(ids.get(1), ids.get(2)));
            assertThat(ds.contains(ids.get(1))).isFalse();
            assertThat(ds.contains(ids.get(2))).isFalse();
            store.removeAll(metadataKey("group").isEqualTo("odd")); // ids 3 and 5 (1 is gone already)
            assertThat(ds.contains(ids.get(3))).isFalse();
            assertThat(ds.contains(ids.get(5))).isFalse();
            assertThat(ds.contains(ids.get(4))).isTrue();
            assertThat(ds.documentCount()).isEqualTo(everything(raw).size()).isEqualTo(3);
            store.removeAll();
            assertThat(ds.documentCount()).isZero();
            assertThat(listener.indexedSegments()).isZero();
            assertThat(listener.failures()).isZero();
        }
    }

    @Test
    void segmentsStoredBeforeTheListenerWasAttachedAreBackfilled() {
        try (RasdEngine engine = DemoModels.engine()) {
            InMemoryEmbeddingStore<TextSegment> raw = new InMemoryEmbeddingStore<>();
            ingestor(raw, engine).ingest(documents.get(0)); // no listener yet
            assertThat(engine.datastore().documentCount()).isZero();

            RasdDatastoreListener listener = RasdRag.listener(engine);
            int stored = everything(raw).size();
            assertThat(RasdRag.backfill(raw, embeddings, listener, 100_000)).isEqualTo(stored);
            assertThat(engine.datastore().documentCount()).isEqualTo(stored);
            // twice is harmless: same ids, replaced
            assertThat(RasdRag.backfill(raw, embeddings, listener, 100_000)).isZero();
            assertThat(engine.datastore().documentCount()).isEqualTo(stored);
        }
    }

    @Test
    void anEngineWithoutADatastoreCannotBeFed() {
        try (RasdEngine engine = RasdEngine.builder()
                .target(DemoModels.TARGET)
                .tokenizer(DemoModels.TOKENIZER)
                .build()) {
            assertThatThrownBy(() -> RasdRag.feed(new InMemoryEmbeddingStore<>(), engine))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("no token datastore");
        }
    }

    /** The answer and its metadata for QUESTION through an AiService with RAG over the ingested documents. */
    private static RasdChatResponseMetadata answer(
            RasdEngine engine,
            EmbeddingStore<TextSegment> store,
            AtomicReference<List<ChatMessage>> sent,
            StringBuilder text) {
        AtomicReference<RasdChatResponseMetadata> metadata = new AtomicReference<>();
        ChatModelListener capture = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext ctx) {
                sent.set(ctx.chatRequest().messages());
            }

            @Override
            public void onResponse(ChatModelResponseContext ctx) {
                metadata.set((RasdChatResponseMetadata) ctx.chatResponse().metadata());
            }
        };
        RasdChatModel model = RasdChatModel.builder()
                .engine(engine)
                .mode(DecodingMode.DATASTORE)
                .maxOutputTokens(120)
                .listeners(List.of(capture))
                .build();
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(model)
                .contentRetriever(EmbeddingStoreContentRetriever.builder()
                        .embeddingStore(store)
                        .embeddingModel(embeddings)
                        .maxResults(2)
                        .build())
                .build();
        text.append(assistant.answer(QUESTION));
        return metadata.get();
    }

    @Test
    void ingestedTextComesBackAsDatastoreAcceptedTokensAndTheAnswerIsUnchanged() {
        InMemoryEmbeddingStore<TextSegment> raw = new InMemoryEmbeddingStore<>();
        AtomicReference<List<ChatMessage>> sentFed = new AtomicReference<>();
        StringBuilder fedAnswer = new StringBuilder();
        RasdChatResponseMetadata fed;
        try (RasdEngine engine = DemoModels.engine()) {
            EmbeddingStore<TextSegment> store = RasdRag.feed(raw, engine);
            ingestor(store, engine).ingest(documents);
            fed = answer(engine, store, sentFed, fedAnswer);

            // which tokens the datastore proposed: each accepted run is text of the ingested documents
            String rendered = ChatTemplate.load(engine.target().directory())
                    .render(RasdBaseChatModel.toTemplateMessages(sentFed.get()), true);
            int[] prompt = engine.tokenizer().encode(rendered, false);
            List<StringBuilder> runs = new ArrayList<>();
            boolean[] inRun = {false};
            engine.generate(
                    new GenerationRequest(prompt, 120, DecodingMode.DATASTORE, SamplingParams.GREEDY, null, List.of()),
                    (tokens, origins, shown) -> {
                        for (int i = 0; i < tokens.length; i++) {
                            if (origins[i] == TokenOrigin.DATASTORE) {
                                if (!inRun[0]) {
                                    runs.add(new StringBuilder());
                                }
                                runs.get(runs.size() - 1)
                                        .append(engine.tokenizer().decode(new int[] {tokens[i]}, false));
                            }
                            inRun[0] = origins[i] == TokenOrigin.DATASTORE;
                        }
                    });
            String corpus =
                    String.join("\n", documents.stream().map(Document::text).toList());
            assertThat(runs).isNotEmpty().allSatisfy(run -> assertThat(corpus).contains(run.toString()));
        }
        assertThat(fed.acceptedTokens(TokenOrigin.DATASTORE))
                .as("datastore-accepted tokens with ingestion")
                .isPositive();

        // the same retrieval without feeding the datastore: the same answer, nothing from the datastore
        AtomicReference<List<ChatMessage>> sentEmpty = new AtomicReference<>();
        StringBuilder emptyAnswer = new StringBuilder();
        try (RasdEngine engine = DemoModels.engine()) {
            RasdChatResponseMetadata empty = answer(engine, raw, sentEmpty, emptyAnswer);
            assertThat(sentEmpty.get()).isEqualTo(sentFed.get());
            assertThat(empty.acceptedTokens(TokenOrigin.DATASTORE)).isZero();
            assertThat(emptyAnswer.toString()).isEqualTo(fedAnswer.toString());
            assertThat(fed.targetForwards()).isLessThan(empty.targetForwards());
            System.out.printf(
                    "RAG answer: %d tokens, datastore accepted %d, target forwards %d with the datastore"
                            + " fed vs %d without%n",
                    fed.tokenUsage().outputTokenCount(),
                    fed.acceptedTokens(TokenOrigin.DATASTORE),
                    fed.targetForwards(),
                    empty.targetForwards());
        }
    }

    @Test
    void retrievedSegmentsAreBoostedForTheirRequestEvenWhenTheDatastoreWasNotFed() {
        InMemoryEmbeddingStore<TextSegment> raw = new InMemoryEmbeddingStore<>();
        try (RasdEngine engine = DemoModels.engine()) {
            ingestor(raw, engine).ingest(documents); // not fed: the datastore stays empty
            assertThat(engine.datastore().documentCount()).isZero();
            String[] answers = new String[2];
            RasdChatResponseMetadata[] metadata = new RasdChatResponseMetadata[2];
            for (int i = 0; i < 2; i++) {
                RasdRetrievalBoost boost = i == 0 ? new RasdRetrievalBoost() : null;
                AtomicReference<RasdChatResponseMetadata> seen = new AtomicReference<>();
                ChatModelListener capture = new ChatModelListener() {
                    @Override
                    public void onResponse(ChatModelResponseContext ctx) {
                        seen.set((RasdChatResponseMetadata) ctx.chatResponse().metadata());
                    }
                };
                RasdChatModel model = RasdChatModel.builder()
                        .engine(engine)
                        .mode(DecodingMode.DATASTORE)
                        .maxOutputTokens(120)
                        .listeners(List.of(capture))
                        .retrievalBoost(boost)
                        .build();
                var retriever = EmbeddingStoreContentRetriever.builder()
                        .embeddingStore(raw)
                        .embeddingModel(embeddings)
                        .maxResults(2)
                        .build();
                Assistant assistant = AiServices.builder(Assistant.class)
                        .chatModel(model)
                        .contentRetriever(boost == null ? retriever : retriever.addListener(boost))
                        .build();
                answers[i] = assistant.answer(QUESTION);
                metadata[i] = seen.get();
                if (boost != null) {
                    assertThat(boost.take()).as("consumed by the request").isEmpty();
                }
            }
            assertThat(metadata[0].acceptedTokens(TokenOrigin.DATASTORE)).isPositive();
            assertThat(metadata[1].acceptedTokens(TokenOrigin.DATASTORE)).isZero();
            assertThat(answers[0]).isEqualTo(answers[1]);
        }
    }

    @Test
    void ingestionIsNotBrokenByASegmentTheDatastoreCannotTake() {
        try (RasdEngine engine = DemoModels.engine()) {
            RasdDatastoreListener listener = RasdRag.listener(engine);
            engine.datastore().close(); // every add now fails
            EmbeddingStore<TextSegment> store = RasdRag.feed(new InMemoryEmbeddingStore<>(), listener);
            TextSegment s = TextSegment.from("still stored");
            Embedding e = embeddings.embed(s).content();
            String id = store.add(e, s);
            assertThat(id).isNotNull();
            assertThat(listener.failures()).isEqualTo(1);
        }
    }
}
