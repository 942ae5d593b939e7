package io.rasd.spring.aiservice.automatic;

import dev.langchain4j.service.spring.AiService;

/** Wired in LangChain4j's automatic mode: needs exactly one ChatModel bean. */
@AiService
public interface AutomaticAssistant {

    String chat(String message);
}
