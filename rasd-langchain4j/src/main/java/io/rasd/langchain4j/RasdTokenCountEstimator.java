package io.rasd.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.TokenCountEstimator;
import io.rasd.RasdException;
import io.rasd.engine.RasdEngine;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Counts tokens with the model's own tokenizer, so that {@code DocumentSplitters.recursive(maxTokens, overlap,
 * estimator)} cuts segments the model sees at the intended size and {@code TokenWindowChatMemory} keeps what fits.
 * Conversations are counted exactly as the chat models send them: rendered through the chat template, generation
 * prompt included. A single message is counted rendered on its own (so its role markers and, where the template
 * writes one, a BOS token are included; summing messages this way slightly over-counts, which is the safe side).
 */
public class RasdTokenCountEstimator implements TokenCountEstimator {

    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;

    public RasdTokenCountEstimator(Tokenizer tokenizer, ChatTemplate chatTemplate) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.chatTemplate = Objects.requireNonNull(chatTemplate, "chatTemplate");
    }

    /** The estimator of an engine's target model (its tokenizer and chat template). */
    public static RasdTokenCountEstimator of(RasdEngine engine) {
        return new RasdTokenCountEstimator(
                engine.tokenizer(), ChatTemplate.load(engine.target().directory()));
    }

    @Override
    public int estimateTokenCountInText(String text) {
        return text == null || text.isEmpty() ? 0 : tokenizer.encode(text, false).length;
    }

    @Override
    public int estimateTokenCountInMessage(ChatMessage message) {
        return count(List.of(message), false);
    }

    @Override
    public int estimateTokenCountInMessages(Iterable<ChatMessage> messages) {
        List<ChatMessage> list = new ArrayList<>();
        messages.forEach(list::add);
        return list.isEmpty() ? 0 : count(list, true);
    }

    private int count(List<ChatMessage> messages, boolean generationPrompt) {
        List<io.rasd.text.ChatMessage> rendered = RasdBaseChatModel.toTemplateMessages(messages);
        try {
            return tokenizer.encode(chatTemplate.render(rendered, generationPrompt), false).length;
        } catch (RasdException e) {
            // some templates refuse a lone message (e.g. an assistant turn first): count the text and the role
            // markers a typical template adds
            int n = 0;
            for (io.rasd.text.ChatMessage m : rendered) {
                n += estimateTokenCountInText(m.content()) + 4;
            }
            return n;
        }
    }
}
