package io.rasd.text.tools;

import io.rasd.text.ToolCall;
import java.util.List;
import java.util.Objects;

/**
 * A model's answer read for tool calls: its text (everything that was not a well-formed call, in order) and the calls.
 *
 * @param text the answer's text; the text around the calls, or the whole answer when it holds none
 * @param toolCalls the calls in the order the model wrote them, each with an id; empty when there are none
 */
public record ModelReply(String text, List<ToolCall> toolCalls) {

    public ModelReply {
        Objects.requireNonNull(text, "text");
        toolCalls = List.copyOf(toolCalls);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }
}
