package io.rasd.testing;

import io.rasd.engine.FinishReason;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.GenerationStats;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Answers a test scripts in place of the model's own: the demo models cannot call tools, so tool-calling plumbing is
 * driven by the answers a tool-calling model would give. An adapter's chat model, subclassed in its tests to call
 * {@link #answer} where it would generate, runs the whole request path (template, encoding, parsing) and gets the next
 * scripted answer, streamed to its listener in small pieces; each request's rendered prompt is kept.
 */
public final class ScriptedAnswers {

    private final Tokenizer tokenizer;
    private final Deque<String> answers = new ConcurrentLinkedDeque<>();
    /** The prompt of each request answered, decoded. */
    public final List<String> prompts = Collections.synchronizedList(new ArrayList<>());

    public ScriptedAnswers(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Queues the answers the next requests get, in order. */
    public ScriptedAnswers then(String... next) {
        answers.addAll(List.of(next));
        return this;
    }

    /** A published chat template of {@code testdata/chat-templates}, e.g. {@code qwen2.5-instruct.jinja}. */
    public static ChatTemplate template(String file) {
        try {
            return ChatTemplate.of(
                    Files.readString(TestData.root().resolve("chat-templates").resolve(file)),
                    Map.of("bos_token", "<s>", "eos_token", "</s>"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next scripted answer to {@code request}, streamed to {@code listener} three characters at a time. */
    public GenerationResult answer(GenerationRequest request, GenerationListener listener) {
        String prompt = tokenizer.decode(request.promptTokens(), false);
        String answer = answers.poll();
        if (answer == null) {
            throw new AssertionError("no scripted answer left for the prompt: " + prompt);
        }
        prompts.add(prompt);
        for (int i = 0; i < answer.length(); i += 3) { // scripted answers are ASCII: no character is split
            listener.onTokens(new int[0], new TokenOrigin[0], answer.substring(i, Math.min(answer.length(), i + 3)));
        }
        int[] tokens = tokenizer.encode(answer, false);
        return new GenerationResult(
                tokens,
                answer,
                FinishReason.STOP,
                GenerationStats.builder()
                        .promptTokens(request.promptTokens().length)
                        .generatedTokens(tokens.length)
                        .build());
    }
}
