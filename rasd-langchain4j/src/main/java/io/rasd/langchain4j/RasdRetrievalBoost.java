package io.rasd.langchain4j;

import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.listener.ContentRetrieverListener;
import dev.langchain4j.rag.content.retriever.listener.ContentRetrieverResponseContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Boosts, for the request being answered, the segments a content retriever just found: the chat model passes their
 * text to the engine as the request's references, whose continuations the datastore modes propose with
 * {@link io.rasd.retrieval.DatastoreSource#REFERENCE_BOOST} times the weight of an ordinary datastore occurrence. It
 * also covers retrievers whose store does not feed the datastore (a web search, a store filled elsewhere).
 *
 * <pre>{@code
 * RasdRetrievalBoost boost = new RasdRetrievalBoost();
 * ContentRetriever retriever = EmbeddingStoreContentRetriever.builder()...build().addListener(boost);
 * ChatModel model = RasdChatModel.builder().engine(engine).retrievalBoost(boost).build();
 * }</pre>
 *
 * <p>Retrieved segments are kept per thread until the chat model on that thread takes them, which matches how
 * LangChain4j's AiServices run a request: retrieval, then the model call, on the caller's thread (the default
 * augmentor retrieves on that thread when there is one query and one retriever). With a retrieval executor the
 * segments stay on its threads and nothing is boosted; the output never depends on it either way.
 */
public class RasdRetrievalBoost implements ContentRetrieverListener {

    private final ThreadLocal<List<String>> pending = new ThreadLocal<>();

    @Override
    public void onResponse(ContentRetrieverResponseContext context) {
        List<String> texts = pending.get();
        if (texts == null) {
            texts = new ArrayList<>();
            pending.set(texts);
        }
        for (Content c : context.contents()) {
            if (c.textSegment() != null && !c.textSegment().text().isBlank()) {
                texts.add(c.textSegment().text());
            }
        }
    }

    /** The texts retrieved on this thread since the last call, and forgets them. */
    public List<String> take() {
        List<String> texts = pending.get();
        pending.remove();
        return texts == null ? List.of() : List.copyOf(texts);
    }
}
