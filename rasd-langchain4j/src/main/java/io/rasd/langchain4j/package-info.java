/**
 * LangChain4j integration: {@link io.rasd.langchain4j.RasdChatModel} and
 * {@link io.rasd.langchain4j.RasdStreamingChatModel} on a rasd engine, token counting, and RAG feeding of the token
 * datastore ({@link io.rasd.langchain4j.RasdDatastoreListener}, {@link io.rasd.langchain4j.RasdRetrievalBoost}); see
 * {@code docs/architecture.md} §4 and §11.
 */
package io.rasd.langchain4j;
