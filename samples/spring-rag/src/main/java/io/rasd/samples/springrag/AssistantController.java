package io.rasd.samples.springrag;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.service.Result;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/ask {"conversation": "...", "question": "..."}}: the {@link Assistant} answers with retrieval and
 * the conversation's memory; the reply lists the segments it was given.
 */
@RestController
class AssistantController {

    private final Assistant assistant;
    private final Readiness readiness;

    AssistantController(Assistant assistant, Readiness readiness) {
        this.assistant = assistant;
        this.readiness = readiness;
    }

    @PostMapping(value = "/api/ask", produces = MediaType.APPLICATION_JSON_VALUE)
    String ask(@RequestBody String body) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(body);
            if (!e.isJsonObject()) {
                throw ApiException.badRequest(null, "The request body must be a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw ApiException.badRequest(null, "The request body is not valid JSON");
        }
        String question = text(o, "question");
        if (question == null || question.isBlank()) {
            throw ApiException.badRequest("question", "'question' is required");
        }
        String conversation = text(o, "conversation");
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

    private static String text(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw ApiException.badRequest(field, "'" + field + "' must be a string");
        }
        return e.getAsString();
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<String> apiError(ApiException e) {
        return ApiErrors.response(e);
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<String> failure(RuntimeException e) {
        return ApiErrors.response(ApiErrors.toApi(e));
    }
}
