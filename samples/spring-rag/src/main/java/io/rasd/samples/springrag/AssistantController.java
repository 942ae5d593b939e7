package io.rasd.samples.springrag;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.service.Result;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/ask {"conversation": "...", "question": "..."}}: the {@link Assistant} answers with retrieval and
 * the conversation's memory; the reply lists the segments it was given.
 */
@RestController
class AssistantController {

    private final Assistant assistant;
    private final Readiness readiness;
    private final RagProperties properties;

    AssistantController(Assistant assistant, Readiness readiness, RagProperties properties) {
        this.assistant = assistant;
        this.readiness = readiness;
        this.properties = properties;
    }

    @PostMapping(value = "/api/ask", produces = MediaType.APPLICATION_JSON_VALUE)
    String ask(HttpServletRequest http) throws IOException {
        JsonObject o = ChatCompletionRequest.object(
                RequestBodies.read(http, properties.getApi().getMaxRequestSize()));
        String question = ChatCompletionRequest.string(o, "question");
        if (question == null || question.isBlank()) {
            throw ApiException.badRequest("question", "'question' is required");
        }
        String conversation = ChatCompletionRequest.string(o, "conversation");
        readiness.check();
        Result<String> result = assistant.answer(conversation == null ? "default" : conversation, question);
        JsonObject reply = new JsonObject();
        reply.addProperty("answer", result.content());
        JsonArray sources = new JsonArray();
        for (Content c : result.sources()) {
            sources.add(c.textSegment().metadata().getString("file_name"));
        }
        reply.add("sources", sources);
        if (result.tokenUsage() != null) {
            reply.addProperty("output_tokens", result.tokenUsage().outputTokenCount());
        }
        return reply.toString();
    }
}
