package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Strict input, sent as raw bytes over loopback HTTP: a body that is not UTF-8 JSON gets 400 naming the problem (the
 * byte offset of the first byte that is not UTF-8), a content type other than JSON gets 415 naming the type received
 * and the one expected, and well-formed requests still get 200.
 */
class StrictInputTest extends RunningAppTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                for (int b : (int[]) p) {
                    out.write(b);
                }
            }
        }
        return out.toByteArray();
    }

    private static JsonObject error(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertThat(error.get("type").getAsString()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").getAsString())
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        return error;
    }

    private static final String PREFIX = "{\"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"caf";
    private static final String SUFFIX = "\"}]}";

    @Test
    void bytesThatAreNotUtf8Get400NamingTheByteOffset() throws Exception {
        int offset = PREFIX.length(); // ASCII: one byte per character
        int[][] invalid = {
            {0xE9}, // Latin-1 é
            {0xC3}, // a lead byte cut off by the closing quote
            {0x80}, // a lone continuation byte
            {0xC0, 0xAF}, // an overlong '/'
            {0xED, 0xA0, 0x80}, // an encoded surrogate
            {0xF4, 0x90, 0x80, 0x80}, // above U+10FFFF
            {0xFF},
        };
        for (int[] bad : invalid) {
            for (String stream : new String[] {"", "\"stream\": true, "}) {
                byte[] body = bytes("{" + stream + PREFIX.substring(1), bad, SUFFIX);
                JsonObject e = error(post("/v1/chat/completions", "application/json", body), 400);
                assertThat(e.get("message").getAsString())
                        .as("bytes %s", java.util.Arrays.toString(bad))
                        .contains("not valid UTF-8 at byte offset " + (offset + stream.length()))
                        .contains(String.format("0x%02X", bad[0]));
            }
        }
        // cut off by the end of the body
        byte[] truncated = bytes(PREFIX, new int[] {0xE2, 0x82});
        assertThat(error(post("/v1/chat/completions", "application/json", truncated), 400)
                        .get("message")
                        .getAsString())
                .contains("byte offset " + offset);
        // the assistant's endpoint reads bodies the same way
        String askPrefix = "{\"question\": \"caf";
        byte[] ask = bytes(askPrefix, new int[] {0xE9}, "\"}");
        assertThat(error(post("/api/ask", "application/json", ask), 400)
                        .get("message")
                        .getAsString())
                .contains("not valid UTF-8 at byte offset " + askPrefix.length());
    }

    @Test
    void anEscapedLoneSurrogateIsNotUnicodeAndGets400NamingTheField() throws Exception {
        String[] escapes = {"\\ud800", "x\\udc00y", "\\ud83d"};
        for (String escape : escapes) {
            byte[] body = bytes(PREFIX, escape, SUFFIX);
            JsonObject e = error(post("/v1/chat/completions", "application/json", body), 400);
            assertThat(e.get("param").getAsString()).isEqualTo("messages[0].content");
            assertThat(e.get("message").getAsString()).contains("unpaired UTF-16 surrogate");
        }
        // a pair written as two escapes is one character, and fine
        assertThat(post("/v1/chat/completions", "application/json", bytes(PREFIX, "\\ud83d\\ude42", SUFFIX))
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void validUtf8IsAnswered() throws Exception {
        for (String type :
                new String[] {"application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8"
                }) {
            HttpResponse<String> r = post("/v1/chat/completions", type, bytes(PREFIX, "é 🙂 中文", SUFFIX));
            assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(200);
        }
    }

    @Test
    void contentTypesOtherThanJsonGet415NamingWhatWasSentAndWhatIsExpected() throws Exception {
        byte[] body = bytes(PREFIX, "é", SUFFIX);
        String[][] cases = {
            {"text/plain", "'text/plain'"},
            {"application/x-www-form-urlencoded", "'application/x-www-form-urlencoded'"},
            {"multipart/form-data; boundary=x", "'multipart/form-data'"},
            {"application/xml", "'application/xml'"},
            {"*/*", "'*/*'"},
            {"application/json; charset=iso-8859-1", "'iso-8859-1'"},
            {"json", "'json'"},
            {null, "no Content-Type"},
        };
        for (String[] c : cases) {
            for (String path : new String[] {"/v1/chat/completions", "/api/ask"}) {
                JsonObject e = error(post(path, c[0], body), 415);
                assertThat(e.get("code").getAsString()).isEqualTo("unsupported_media_type");
                assertThat(e.get("message").getAsString())
                        .as("%s %s", path, c[0])
                        .contains(c[1])
                        .contains("application/json");
            }
        }
        // a stream too: refused with a status, not inside an event stream
        byte[] stream = bytes("{\"stream\": true, " + PREFIX.substring(1), "é", SUFFIX);
        error(post("/v1/chat/completions", "text/plain", stream), 415);
    }

    @Test
    void jsonALenientParserWouldGuessAtGets400() throws Exception {
        String[] bodies = {
            "{'messages': [{'role': 'user', 'content': 'hi'}]}",
            "{messages: [{\"role\": \"user\", \"content\": \"hi\"}]}",
            "{\"max_tokens\": 2, /* c */ \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
            "{\"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]} trailing",
            "{\"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}{}",
            "{\"temperature\": NaN, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
            "{\"max_tokens\": 2; \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
            "",
        };
        for (String body : bodies) {
            JsonObject e = error(post("/v1/chat/completions", "application/json", bytes(body)), 400);
            assertThat(e.get("message").getAsString())
                    .as(body)
                    .containsAnyOf("not valid JSON", "must be a JSON object");
        }
    }
}
