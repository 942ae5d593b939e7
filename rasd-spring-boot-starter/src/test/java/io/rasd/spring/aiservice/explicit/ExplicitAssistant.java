package io.rasd.spring.aiservice.explicit;

import static dev.langchain4j.service.spring.AiServiceWiringMode.EXPLICIT;

import dev.langchain4j.service.spring.AiService;

/** Names rasd's chat model, so other ChatModel beans in the context do not matter. */
@AiService(wiringMode = EXPLICIT, chatModel = "rasdChatModel")
public interface ExplicitAssistant {

    String chat(String message);
}
