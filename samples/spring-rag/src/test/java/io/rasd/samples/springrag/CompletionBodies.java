package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The answer text in chat-completion response bodies, as tests read it. */
final class CompletionBodies {

    private CompletionBodies() {}

    /** {@code choices[0].message.content} of a {@code chat.completion} body. */
    static String content(String body) {
        return JsonParser.parseString(body)
                .getAsJsonObject()
                .getAsJsonArray("choices")
                .get(0)
                .getAsJsonObject()
                .getAsJsonObject("message")
                .get("content")
                .getAsString();
    }

    /** The content deltas of a server-sent-event stream joined; fails on an error event or a missing [DONE]. */
    static String streamedContent(String body) {
        StringBuilder text = new StringBuilder();
        String[] events = body.split("\n\n");
        assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
        for (int i = 0; i < events.length - 1; i++) {
            JsonObject chunk = JsonParser.parseString(events[i].substring("data: ".length()))
                    .getAsJsonObject();
            assertThat(chunk.has("error")).as(events[i]).isFalse();
            if (chunk.getAsJsonArray("choices").isEmpty()) {
                continue;
            }
            JsonObject delta =
                    chunk.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("delta");
            if (delta.has("content")) {
                text.append(delta.get("content").getAsString());
            }
        }
        return text.toString();
    }
}
