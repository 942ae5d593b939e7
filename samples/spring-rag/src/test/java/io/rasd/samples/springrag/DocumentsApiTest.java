package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.datastore.TokenDatastore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code /api/documents} without a store of record: a document posted is split, embedded and lands in this app's
 * embedding store and token datastore (as GET, which reads both, shows, with {@code ?segments=true} segment by
 * segment), a second post replaces it, a delete removes it from both, and bad input gets a 4xx naming the field.
 */
class DocumentsApiTest extends RunningAppTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Autowired
    TokenDatastore datastore;

    static HttpResponse<String> send(
            HttpClient http, int port, String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(2))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String json) throws Exception {
        return send(http, port, "POST", "/api/documents", "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** The document's entry in GET /api/documents, or null when this app does not hold it. */
    static JsonObject listed(JsonObject list, String id) {
        for (JsonElement e : list.getAsJsonArray("documents")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(id)) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    private JsonObject list() throws Exception {
        HttpResponse<String> r = send(http, port, "GET", "/api/documents", null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static String paragraphs(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("Paragraph ")
                    .append(i)
                    .append(": to read a file line by line in Python, open it with a with"
                            + " statement and iterate over the file object; each line keeps its newline.\n\n");
        }
        return sb.toString();
    }

    @Test
    void aPostedDocumentIsInTheEmbeddingStoreAndTheDatastoreUntilDeleted() throws Exception {
        int before = datastore.documentCount();
        HttpResponse<String> r = post(
                "{\"id\": \"notes/read-lines\", \"text\": \"" + paragraphs(12).replace("\n", "\\n")
                        + "\", \"metadata\": {\"author\": \"ops\", \"year\": 2026, \"weight\": 0.5}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject put = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(put.get("id").getAsString()).isEqualTo("notes/read-lines");
        int segments = put.get("segments").getAsInt();
        assertThat(segments).isGreaterThan(1);
        assertThat(put.has("position"))
                .as("no change log without a store of record")
                .isFalse();

        JsonObject list = list();
        assertThat(list.get("position").isJsonNull()).isTrue();
        JsonObject doc = listed(list, "notes/read-lines");
        assertThat(doc).isNotNull();
        assertThat(doc.get("embedding_segments").getAsInt()).isEqualTo(segments);
        assertThat(doc.get("datastore_segments").getAsInt()).isEqualTo(segments);
        assertThat(datastore.documentCount()).isEqualTo(before + segments);
        assertThat(listed(
                        list,
                        TestApp.ROOT.resolve("models/demo-corpus/python/faq").toString()))
                .as("rag.documents files are listed under their paths")
                .isNull(); // the folder is not a document: its files are
        assertThat(list.getAsJsonArray("documents").size()).isGreaterThan(1);

        // a second post under the same id replaces the document, in both indexes
        r = post("{\"id\": \"notes/read-lines\", \"text\": \"Only one short paragraph now.\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        doc = listed(list(), "notes/read-lines");
        assertThat(doc.get("embedding_segments").getAsInt()).isEqualTo(1);
        assertThat(doc.get("datastore_segments").getAsInt()).isEqualTo(1);
        assertThat(datastore.documentCount()).isEqualTo(before + 1);
        assertThat(doc.has("segments")).as("segments only when asked for").isFalse();

        // ?segments=true: each segment's id and text from the embedding store, its tokens from the datastore
        r = send(http, port, "GET", "/api/documents?segments=true", null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonArray held = listed(JsonParser.parseString(r.body()).getAsJsonObject(), "notes/read-lines")
                .getAsJsonArray("segments");
        assertThat(held).hasSize(1);
        JsonObject segment = held.get(0).getAsJsonObject();
        assertThat(segment.get("text").getAsString()).isEqualTo("Only one short paragraph now.");
        int[] tokens = new int[segment.getAsJsonArray("tokens").size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = segment.getAsJsonArray("tokens").get(i).getAsInt();
        }
        assertThat(tokens)
                .isNotEmpty()
                .isEqualTo(datastore.document(segment.get("id").getAsString()));

        r = send(http, port, "DELETE", "/api/documents/notes/read-lines", null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(listed(list(), "notes/read-lines")).isNull();
        assertThat(datastore.documentCount()).isEqualTo(before);
        r = send(http, port, "DELETE", "/api/documents/notes/read-lines", null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(error(r).get("code").getAsString()).isEqualTo("document_not_found");
    }

    private static JsonObject error(HttpResponse<String> r) {
        JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertThat(error.get("message").getAsString())
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        return error;
    }

    private void assertBadRequest(HttpResponse<String> r, String param, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonObject e = error(r);
        if (param == null) {
            assertThat(e.get("param").isJsonNull()).as(r.body()).isTrue();
        } else {
            assertThat(e.get("param").getAsString()).as(r.body()).isEqualTo(param);
        }
        assertThat(e.get("message").getAsString()).contains(messagePart);
    }

    @Test
    void badInputGetsA4xxNamingTheField() throws Exception {
        int before = datastore.documentCount();
        assertBadRequest(post("{\"id\": \"a\", \"text\": \"\"}"), "text", "'text' is required");
        assertBadRequest(post("{\"id\": \"a\", \"text\": \" \\n\\t \"}"), "text", "only whitespace");
        assertBadRequest(post("{\"id\": \"a\"}"), "text", "'text' is required");
        assertBadRequest(post("{\"text\": \"x\"}"), "id", "'id' is required");
        assertBadRequest(post("{\"id\": \"\", \"text\": \"x\"}"), "id", "'id' is required");
        assertBadRequest(post("{\"id\": \"" + "x".repeat(257) + "\", \"text\": \"x\"}"), "id", "257 characters");
        assertBadRequest(post("{\"id\": \"a\\u0000b\", \"text\": \"x\"}"), "id", "control character at index 1");
        assertBadRequest(post("{\"id\": 7, \"text\": \"x\"}"), "id", "must be a string");
        assertBadRequest(post("{\"id\": \"a\", \"text\": \"x\", \"title\": \"t\"}"), "title", "Unknown field 'title'");
        assertBadRequest(post("{\"id\": \"a\", \"text\": \"x\", \"metadata\": [1]}"), "metadata", "must be an object");
        assertBadRequest(
                post("{\"id\": \"a\", \"text\": \"x\", \"metadata\": {\"ok\": true}}"),
                "metadata.ok",
                "string or a number");
        assertBadRequest(
                post("{\"id\": \"a\", \"text\": \"x\", \"metadata\": {\"document_id\": \"b\"}}"),
                "metadata.document_id",
                "set by the server");
        assertBadRequest(post("{\"id\": \"a\", \"text\": \"x\",}"), null, "not valid JSON");
        byte[] latin1 = "{\"id\": \"a\", \"text\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertBadRequest(
                send(http, port, "POST", "/api/documents", "application/json", latin1),
                null,
                "not valid UTF-8 at byte offset 24");

        byte[] huge = new byte[10 * 1024 * 1024];
        Arrays.fill(huge, (byte) 'a');
        System.arraycopy("{\"id\": \"a\", \"text\": \"".getBytes(StandardCharsets.UTF_8), 0, huge, 0, 21);
        HttpResponse<String> tooLarge = send(http, port, "POST", "/api/documents", "application/json", huge);
        assertThat(tooLarge.statusCode()).as(tooLarge.body()).isEqualTo(413);
        assertThat(error(tooLarge).get("code").getAsString()).isEqualTo("request_too_large");

        HttpResponse<String> text =
                send(http, port, "POST", "/api/documents", "text/plain", "x".getBytes(StandardCharsets.UTF_8));
        assertThat(text.statusCode()).as(text.body()).isEqualTo(415);

        HttpResponse<String> longId = send(http, port, "DELETE", "/api/documents/" + "y".repeat(300), null, null);
        assertThat(longId.statusCode()).as(longId.body()).isEqualTo(400);
        assertThat(datastore.documentCount()).as("nothing was stored").isEqualTo(before);
        JsonArray docs = list().getAsJsonArray("documents");
        assertThat(docs)
                .noneMatch(d -> d.getAsJsonObject().get("id").getAsString().equals("a"));
    }
}
