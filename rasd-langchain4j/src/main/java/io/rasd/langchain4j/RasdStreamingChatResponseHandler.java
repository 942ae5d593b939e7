package io.rasd.langchain4j;

import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.rasd.tree.TokenOrigin;

/**
 * A streaming handler that also hears where each token came from. {@link RasdStreamingChatModel} calls
 * {@link #onToken} once per committed token, before the {@code onPartialResponse} that carries the same text, so a
 * user interface can show which tokens the draft model, prompt lookup or the datastore proposed and which the target
 * produced itself. Other streaming models simply never call it.
 */
public interface RasdStreamingChatResponseHandler extends StreamingChatResponseHandler {

    /**
     * One token was committed.
     *
     * @param origin who proposed it ({@link TokenOrigin#TARGET}: the target's own bonus token)
     * @param text the text it completed; empty while held back (an incomplete character, or the start of a stop
     *     sequence), and then possibly longer than the token itself once released; the model's own text, so with tools
     *     offered it includes a tool call's text, which {@code onPartialResponse} holds back
     */
    void onToken(int token, TokenOrigin origin, String text, PartialResponseContext context);
}
