package io.rasd.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.RasdEngine;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.langchain4j.RasdChatRequestParameters;
import io.rasd.langchain4j.RasdChatResponseMetadata;
import io.rasd.langchain4j.RasdDatastoreListener;
import io.rasd.langchain4j.RasdStreamingChatModel;
import io.rasd.langchain4j.RasdTokenCountEstimator;
import io.rasd.verify.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** LangChain4j chat models, estimator and RAG feeding from the starter, with their conditions and properties. */
class RasdLangChain4jAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(RasdAutoConfiguration.class, RasdLangChain4jAutoConfiguration.class))
            .withPropertyValues(Demo.PROPERTIES);

    @Test
    void chatModelsAndEstimatorAreConfiguredAndAnswerLikeTheEngine() {
        runner.run(context -> {
            assertThat(context)
                    .hasSingleBean(RasdChatModel.class)
                    .hasSingleBean(RasdStreamingChatModel.class)
                    .hasSingleBean(RasdTokenCountEstimator.class)
                    .hasSingleBean(ChatModel.class);
            RasdChatModel model = context.getBean(RasdChatModel.class);
            ChatResponse response = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                    .messages(dev.langchain4j.data.message.UserMessage.from("Write a Python function."))
                    .build());
            assertThat(response.metadata()).isInstanceOf(RasdChatResponseMetadata.class);
            assertThat(((RasdChatResponseMetadata) response.metadata()).mode()).isEqualTo(DecodingMode.RASD);
            assertThat(response.tokenUsage().outputTokenCount()).isLessThanOrEqualTo(24);
            assertThat(model.modelName()).isEqualTo("demo-target");
        });
    }

    @Test
    void generationPropertiesBecomeTheDefaultRequestParameters() {
        runner.withPropertyValues(
                        "rasd.mode=pld",
                        "rasd.generation.temperature=0.7",
                        "rasd.generation.top-k=40",
                        "rasd.generation.top-p=0.9",
                        "rasd.generation.seed=42",
                        "rasd.generation.stop-sequences=END,STOP",
                        "rasd.generation.timeout=2m",
                        "rasd.model-name=coder")
                .run(context -> {
                    RasdChatRequestParameters p = (RasdChatRequestParameters)
                            context.getBean(RasdChatModel.class).defaultRequestParameters();
                    assertThat(p.mode()).isEqualTo(DecodingMode.PLD);
                    assertThat(p.temperature()).isEqualTo(0.7);
                    assertThat(p.topK()).isEqualTo(40);
                    assertThat(p.topP()).isEqualTo(0.9);
                    assertThat(p.seed()).isEqualTo(42L);
                    assertThat(p.timeout()).isEqualTo(java.time.Duration.ofMinutes(2));
                    assertThat(p.maxOutputTokens()).isEqualTo(24);
                    assertThat(p.stopSequences()).containsExactly("END", "STOP");
                    assertThat(p.modelName()).isEqualTo("coder");
                    assertThat(context.getBean(RasdStreamingChatModel.class).defaultRequestParameters())
                            .isEqualTo(p);
                });
    }

    @Test
    void greedyChatEqualsTheEngineOnTheSameRenderedPrompt() {
        runner.run(context -> {
            RasdChatModel model = context.getBean(RasdChatModel.class);
            RasdEngine engine = context.getBean(RasdEngine.class);
            String answer = model.chat("def add(a, b):");
            int[] prompt = engine.tokenizer()
                    .encode(
                            io.rasd.text.ChatTemplate.load(Demo.TARGET)
                                    .render(List.of(new io.rasd.text.ChatMessage("user", "def add(a, b):")), true),
                            false);
            String direct = engine.generate(
                            new GenerationRequest(prompt, 24, DecodingMode.AR, SamplingParams.GREEDY, null, List.of()))
                    .text();
            assertThat(answer).isEqualTo(direct);
        });
    }

    static final class RecordingListener implements ChatModelListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onRequest(ChatModelRequestContext context) {
            events.add("request");
        }

        @Override
        public void onResponse(ChatModelResponseContext context) {
            events.add("response " + context.chatResponse().modelName());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Listening {
        @Bean
        RecordingListener recordingListener() {
            return new RecordingListener();
        }
    }

    @Test
    void chatModelListenerBeansAreAttached() {
        runner.withUserConfiguration(Listening.class).run(context -> {
            context.getBean(RasdChatModel.class).chat("hello");
            assertThat(context.getBean(RecordingListener.class).events)
                    .containsExactly("request", "response demo-target");
        });
    }

    @Test
    void langchain4jEnabledFalseLeavesOnlyTheEngine() {
        runner.withPropertyValues("rasd.langchain4j.enabled=false")
                .run(context -> assertThat(context)
                        .hasSingleBean(RasdEngine.class)
                        .doesNotHaveBean(RasdChatModel.class)
                        .doesNotHaveBean(RasdStreamingChatModel.class)
                        .doesNotHaveBean(RasdTokenCountEstimator.class));
    }

    @Test
    void withoutLangchain4jOnTheClasspathOnlyTheEngineIsConfigured() {
        runner.withClassLoader(new FilteredClassLoader(ChatModel.class))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .hasSingleBean(RasdEngine.class)
                        .doesNotHaveBean(RasdChatModel.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnChatModel {
        @Bean
        RasdChatModel myChatModel(RasdEngine engine) {
            return RasdChatModel.builder().engine(engine).mode(DecodingMode.AR).build();
        }
    }

    @Test
    void anApplicationsOwnChatModelReplacesTheAutoConfiguredOne() {
        runner.withUserConfiguration(OwnChatModel.class).run(context -> {
            assertThat(context).hasSingleBean(RasdChatModel.class).hasBean("myChatModel");
            assertThat(context).hasSingleBean(RasdStreamingChatModel.class);
        });
    }

    // ---- RAG: embedding stores feed the token datastore ----

    /** Deterministic 8-dimensional embeddings: enough for storing and listing segments. */
    static final class FakeEmbeddingModel implements EmbeddingModel {
        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            List<Embedding> out = new ArrayList<>();
            for (TextSegment s : segments) {
                float[] v = new float[8];
                for (int i = 0; i < v.length; i++) {
                    v[i] = 1 + ((s.text().hashCode() >> i) & 1);
                }
                out.add(Embedding.from(v));
            }
            return Response.from(out);
        }
    }

    static final String PRELOADED = "def preloaded_segment(): return 'held before start-up'";

    @Configuration(proxyBeanMethods = false)
    static class Rag {
        @Bean
        EmbeddingModel embeddingModel() {
            return new FakeEmbeddingModel();
        }

        @Bean
        EmbeddingStore<TextSegment> embeddingStore(EmbeddingModel model) {
            // as if loaded from a file: it holds a segment before rasd's listener is attached
            InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
            TextSegment s = TextSegment.from(PRELOADED);
            store.add(model.embed(s).content(), s);
            return store;
        }
    }

    @Test
    void feedEmbeddingStoreWrapsTheStoreAndIndexesOldAndNewSegments() {
        runner.withUserConfiguration(Rag.class)
                .withPropertyValues("rasd.rag.feed-embedding-store=true")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RasdDatastoreListener.class);
                    TokenDatastore datastore = context.getBean(TokenDatastore.class);
                    assertThat(datastore.documentCount()).as("backfilled").isEqualTo(1);
                    @SuppressWarnings("unchecked")
                    EmbeddingStore<TextSegment> store = context.getBean(EmbeddingStore.class);
                    assertThat(store).isNotInstanceOf(InMemoryEmbeddingStore.class);
                    TextSegment s = TextSegment.from("def added_at_run_time(): pass");
                    String id = store.add(
                            context.getBean(EmbeddingModel.class).embed(s).content(), s);
                    assertThat(datastore.documentCount()).isEqualTo(2);
                    store.remove(id);
                    assertThat(datastore.documentCount()).isEqualTo(1);
                });
    }

    @Test
    void withoutTheOptInEmbeddingStoresAreLeftAlone() {
        runner.withUserConfiguration(Rag.class).run(context -> {
            assertThat(context).doesNotHaveBean(RasdDatastoreListener.class);
            assertThat(context.getBean(EmbeddingStore.class)).isInstanceOf(InMemoryEmbeddingStore.class);
            assertThat(context.getBean(TokenDatastore.class).documentCount()).isZero();
        });
    }

    @Test
    void backfillCanBeSwitchedOff() {
        runner.withUserConfiguration(Rag.class)
                .withPropertyValues("rasd.rag.feed-embedding-store=true", "rasd.rag.backfill-max-segments=0")
                .run(context -> {
                    assertThat(context.getBean(TokenDatastore.class).documentCount())
                            .isZero();
                    assertThat(context.getBean(EmbeddingStore.class)).isNotInstanceOf(InMemoryEmbeddingStore.class);
                });
    }

    /**
     * A datastore file saved before a crash may hold segments the embedding store never saved (or dropped since):
     * the restart keeps exactly the store's segments, plus the documents of rasd.datastore.inputs.
     */
    @Test
    void aStartRemovesDatastoreDocumentsThatNoStoreHoldsButKeepsTheInputs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("datastore.rasd");
        Path input = Files.writeString(dir.resolve("notes.txt"), "def from_an_input_file(): pass");
        try (TokenDatastore stale = TokenDatastore.empty();
                io.rasd.text.Tokenizer tokenizer = io.rasd.text.Tokenizer.load(Demo.TARGET)) {
            stale.add("lost-in-the-crash", tokenizer.encode("def never_saved_by_the_store(): pass", false));
            stale.save(file, tokenizer);
        }
        runner.withUserConfiguration(Rag.class)
                .withPropertyValues(
                        "rasd.rag.feed-embedding-store=true",
                        "rasd.datastore.path=" + file,
                        "rasd.datastore.inputs=" + input)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    TokenDatastore datastore = context.getBean(TokenDatastore.class);
                    assertThat(datastore.documentIds())
                            .doesNotContain("lost-in-the-crash")
                            .contains(input.toString())
                            .hasSize(2); // the input and the store's one segment
                });
    }
}
