package io.rasd.samples.springrag;

import static dev.langchain4j.service.spring.AiServiceWiringMode.EXPLICIT;

import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.spring.AiService;

/**
 * The RAG assistant: retrieval from the ingested documents and a memory per conversation. Wired explicitly to rasd's
 * beans so another ChatModel provider on the classpath cannot make the wiring ambiguous.
 */
@AiService(
        wiringMode = EXPLICIT,
        chatModel = "rasdChatModel",
        contentRetriever = "contentRetriever",
        chatMemoryProvider = "chatMemoryProvider")
public interface Assistant {

    @SystemMessage("You answer questions about the documents you are given, briefly.")
    Result<String> answer(@MemoryId String conversation, @UserMessage String question);
}
