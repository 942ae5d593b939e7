package io.rasd.spring.autoconfigure;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingStore;
import io.rasd.langchain4j.RasdDatastoreListener;
import io.rasd.langchain4j.RasdRag;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.ResolvableType;

/**
 * Attaches the datastore listener to every {@code EmbeddingStore<TextSegment>} bean ({@code
 * rasd.rag.feed-embedding-store=true}). LangChain4j attaches store listeners by wrapping the store, so the wrapped
 * store replaces the bean and every ingestor and retriever injected with it feeds the datastore. Once all beans exist,
 * the segments the stores already held (loaded from a file, say) are indexed too, and documents of the datastore that
 * no store holds (a datastore file saved before a crash that the stores did not survive) are removed, except those
 * indexed from {@code rasd.datastore.inputs}: the datastore then mirrors the stores exactly.
 */
class RasdEmbeddingStoreFeeder implements BeanPostProcessor, SmartInitializingSingleton {

    private static final Logger LOG = LoggerFactory.getLogger(RasdEmbeddingStoreFeeder.class);
    private static final ResolvableType TEXT_SEGMENT_STORE =
            ResolvableType.forClassWithGenerics(EmbeddingStore.class, TextSegment.class);

    private final ConfigurableListableBeanFactory beanFactory;
    private final ObjectProvider<RasdDatastoreListener> listener;
    private final ObjectProvider<EmbeddingModel> embeddingModel;
    private final int backfillMax;
    /**
     * Ids of the documents indexed from rasd.datastore.inputs, kept although no embedding store holds them; null when
     * the datastore was not opened from a file: then it holds nothing a crash left behind, and nothing is removed.
     */
    private final Supplier<Set<String>> inputIds;

    private final Map<String, EmbeddingStore<TextSegment>> fed = new LinkedHashMap<>();

    RasdEmbeddingStoreFeeder(
            ConfigurableListableBeanFactory beanFactory,
            ObjectProvider<RasdDatastoreListener> listener,
            ObjectProvider<EmbeddingModel> embeddingModel,
            int backfillMax,
            Supplier<Set<String>> inputIds) {
        this.beanFactory = beanFactory;
        this.listener = listener;
        this.embeddingModel = embeddingModel;
        this.backfillMax = backfillMax;
        this.inputIds = inputIds;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        if (!(bean instanceof EmbeddingStore<?>) || !holdsTextSegments(beanName)) {
            return bean;
        }
        EmbeddingStore<TextSegment> wrapped = RasdRag.feed((EmbeddingStore<TextSegment>) bean, listener.getObject());
        synchronized (fed) {
            fed.put(beanName, wrapped);
        }
        LOG.info("rasd feeds the token datastore from embedding store bean '{}'", beanName);
        return wrapped;
    }

    private boolean holdsTextSegments(String beanName) {
        // a store declared with another embedded type is left alone; the declared type decides (the instance's
        // generics are erased), so this works while the bean is still being created
        if (!beanFactory.containsBeanDefinition(beanName)) {
            return false;
        }
        ResolvableType declared = beanFactory.getMergedBeanDefinition(beanName).getResolvableType();
        return TEXT_SEGMENT_STORE.isAssignableFrom(declared);
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (backfillMax == 0) {
            return;
        }
        Map<String, EmbeddingStore<TextSegment>> stores;
        synchronized (fed) {
            stores = new LinkedHashMap<>(fed);
        }
        if (stores.isEmpty()) {
            return;
        }
        EmbeddingModel model = embeddingModel.getIfUnique();
        if (model == null) {
            LOG.info("rasd cannot index the segments embedding stores held before start-up: no unique"
                    + " EmbeddingModel bean to build the probe query with");
            return;
        }
        RasdDatastoreListener l = listener.getObject();
        Embedding probe = model.embed("rasd backfill").content();
        Set<String> held = new HashSet<>();
        boolean complete = true;
        for (Map.Entry<String, EmbeddingStore<TextSegment>> e : stores.entrySet()) {
            Set<String> ids = RasdRag.backfillIds(e.getValue(), probe, l, backfillMax);
            held.addAll(ids);
            complete &= ids.size() < backfillMax;
            if (!ids.isEmpty()) {
                LOG.info("rasd indexed {} segments that embedding store '{}' already held", ids.size(), e.getKey());
            }
        }
        if (inputIds == null) {
            return;
        }
        held.addAll(inputIds.get());
        if (!complete) {
            LOG.info(
                    "rasd did not check the datastore for segments the embedding stores no longer hold: a store"
                            + " holds rasd.rag.backfill-max-segments ({}) segments or more",
                    backfillMax);
            return;
        }
        // the datastore file and the stores are saved at different moments (the datastore every
        // rasd.datastore.persist-interval): after a crash the file may hold segments the stores dropped or never
        // saved, which would be proposed (and doubled, under new ids, by a re-ingestion) for good
        int removed = l.removeAllExcept(held);
        if (removed > 0) {
            LOG.info(
                    "rasd removed {} datastore documents that no embedding store holds (saved before a crash?)",
                    removed);
        }
    }
}
