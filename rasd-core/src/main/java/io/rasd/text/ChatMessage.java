package io.rasd.text;

import java.util.Objects;

/** One turn of a conversation: {@code system}, {@code user} or {@code assistant}, and its text. */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
