package io.rasd.samples.springrag;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.langchain4j.data.document.Metadata;
import io.rasd.spring.feed.RasdFeedStore;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The documents the app retrieves from, changed while it serves (behind {@code rag.api.key} like every /api path):
 *
 * <ul>
 *   <li>{@code POST /api/documents {"id", "text", "metadata"}} stores a document (replacing one with the same id) and
 *       answers {@code {"id", "segments"}} (and {@code "position"}, its change-log position, with a store of record).
 *   <li>{@code DELETE /api/documents/{id}} removes it (404 when there is none).
 *   <li>{@code GET /api/documents}: what this replica has applied: per document id its segments in the embedding
 *       index and in the token datastore, and the change-log position applied (null without a store of record).
 *       With {@code ?segments=true} every document also lists its segments as this replica holds them, sorted by id:
 *       {@code {"id", "text", "tokens"}}, the id and text from the embedding index and the token ids from the token
 *       datastore ({@code null} when the datastore lacks the segment), to compare replicas segment by segment.
 * </ul>
 *
 * Bad input gets a 4xx naming the field: 400 for a missing or empty id or text, an id over 256 characters or with
 * control characters, metadata that is not an object of strings and numbers, an unknown field, a body that is not
 * strict UTF-8 JSON; 413 over {@code rag.api.max-request-size}; 415 not JSON; 503 while the app is loading.
 */
@RestController
class DocumentsController {

    private static final Set<String> FIELDS = Set.of("id", "text", "metadata");

    private final Documents documents;
    private final Readiness readiness;
    private final RagProperties properties;

    DocumentsController(Documents documents, Readiness readiness, RagProperties properties) {
        this.documents = documents;
        this.readiness = readiness;
        this.properties = properties;
    }

    @PostMapping(value = "/api/documents", produces = MediaType.APPLICATION_JSON_VALUE)
    String put(HttpServletRequest http) throws IOException {
        JsonObject o = ChatCompletionRequest.object(
                RequestBodies.read(http, properties.getApi().getMaxRequestSize()));
        for (String field : o.keySet()) {
            if (!FIELDS.contains(field)) {
                throw ApiException.badRequest(
                        field, "Unknown field '" + field + "'; a document has \"id\", \"text\" and \"metadata\"");
            }
        }
        String id = checkId(ChatCompletionRequest.string(o, "id"));
        String text = ChatCompletionRequest.string(o, "text");
        if (text == null || text.isBlank()) {
            throw ApiException.badRequest("text", "'text' is required and must not be empty or only whitespace");
        }
        Metadata metadata = metadata(o.get("metadata"));
        readiness.check();
        Documents.Stored stored = documents.put(id, text, metadata);
        JsonObject reply = new JsonObject();
        reply.addProperty("id", stored.id());
        reply.addProperty("segments", stored.segments());
        stored.position().ifPresent(p -> reply.addProperty("position", p));
        return reply.toString();
    }

    @DeleteMapping(value = "/api/documents/{*id}", produces = MediaType.APPLICATION_JSON_VALUE)
    String delete(@PathVariable("id") String path) {
        // {*id} captures the rest of the path with its leading slash: ids of files are paths
        String id = checkId(path.startsWith("/") ? path.substring(1) : path);
        readiness.check();
        if (!documents.delete(id)) {
            throw new ApiException(
                    HttpStatus.NOT_FOUND,
                    "invalid_request_error",
                    "document_not_found",
                    "id",
                    "No document with id '" + id + "'");
        }
        JsonObject reply = new JsonObject();
        reply.addProperty("id", id);
        reply.addProperty("deleted", true);
        return reply.toString();
    }

    @GetMapping(value = "/api/documents", produces = MediaType.APPLICATION_JSON_VALUE)
    String list(@RequestParam(name = "segments", defaultValue = "false") boolean withSegments) {
        JsonObject reply = new JsonObject();
        if (documents.feed()) {
            reply.addProperty("position", documents.replica().position());
        } else {
            reply.add("position", null);
        }
        JsonArray list = new JsonArray();
        int embedding = 0;
        int datastore = 0;
        for (Map.Entry<String, Documents.Applied> e :
                documents.applied(withSegments).entrySet()) {
            JsonObject d = new JsonObject();
            d.addProperty("id", e.getKey());
            d.addProperty("embedding_segments", e.getValue().embeddingSegments());
            d.addProperty("datastore_segments", e.getValue().datastoreSegments());
            embedding += e.getValue().embeddingSegments();
            datastore += e.getValue().datastoreSegments();
            if (withSegments) {
                d.add("segments", segments(e.getValue().segments()));
            }
            list.add(d);
        }
        reply.addProperty("embedding_segments", embedding);
        reply.addProperty("datastore_segments", datastore);
        reply.add("documents", list);
        return reply.toString();
    }

    private static JsonArray segments(List<Documents.HeldSegment> held) {
        JsonArray out = new JsonArray();
        for (Documents.HeldSegment h : held) {
            JsonObject s = new JsonObject();
            s.addProperty("id", h.id());
            s.addProperty("text", h.text());
            if (h.tokens() == null) {
                s.add("tokens", null);
            } else {
                JsonArray tokens = new JsonArray(h.tokens().length);
                for (int t : h.tokens()) {
                    tokens.add(t);
                }
                s.add("tokens", tokens);
            }
            out.add(s);
        }
        return out;
    }

    private static String checkId(String id) {
        if (id == null || id.isEmpty()) {
            throw ApiException.badRequest("id", "'id' is required: a string of 1 to 256 characters");
        }
        if (id.length() > RasdFeedStore.MAX_ID_LENGTH) {
            throw ApiException.badRequest(
                    "id",
                    "'id' is " + id.length() + " characters long; at most " + RasdFeedStore.MAX_ID_LENGTH
                            + " are allowed");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw ApiException.badRequest(
                        "id", "'id' holds a control character at index " + i + "; ids are printable text");
            }
        }
        return id;
    }

    /** An object of string and number values (LangChain4j metadata holds no other kinds), or 400 naming the key. */
    private static Metadata metadata(JsonElement e) {
        Metadata m = new Metadata();
        if (e == null || e.isJsonNull()) {
            return m;
        }
        if (!e.isJsonObject()) {
            throw ApiException.badRequest("metadata", "'metadata' must be an object of string and number values");
        }
        for (Map.Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
            String key = entry.getKey();
            String param = "metadata." + key;
            if (key.isEmpty()) {
                throw ApiException.badRequest("metadata", "'metadata' has an empty key");
            }
            if (key.equals(Documents.DOCUMENT_ID) || key.equals(DocumentIngestion.ORIGIN)) {
                throw ApiException.badRequest(param, "'" + param + "' is set by the server; use another key");
            }
            JsonElement v = entry.getValue();
            if (!v.isJsonPrimitive() || v.getAsJsonPrimitive().isBoolean()) {
                throw ApiException.badRequest(param, "'" + param + "' must be a string or a number");
            }
            JsonPrimitive p = v.getAsJsonPrimitive();
            if (p.isString()) {
                m.put(key, p.getAsString());
            } else {
                BigDecimal n = p.getAsBigDecimal();
                if (n.stripTrailingZeros().scale() <= 0 && n.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
                    m.put(key, n.longValueExact());
                } else {
                    m.put(key, n.doubleValue());
                }
            }
        }
        return m;
    }
}
