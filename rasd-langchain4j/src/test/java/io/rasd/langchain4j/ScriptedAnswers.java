package io.rasd.langchain4j;

import io.rasd.engine.Cancellation;
import io.rasd.engine.FinishReason;
import io.rasd.engine.GenerationListener;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.GenerationStats;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.Reservation;
import io.rasd.testing.TestData;
import io.rasd.text.ChatTemplate;
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
 * driven by the answers a tool-calling model would give. Chat models built here run the whole request path (template,
 * encoding, parsing) and take the next scripted answer where the engine would generate, streaming it in small pieces;
 * each request's rendered prompt is kept.
 */
final class ScriptedAnswers {

    private final RasdEngine engine;
    private final Deque<String> answers = new ConcurrentLinkedDeque<>();
    final List<String> prompts = Collections.synchronizedList(new ArrayList<>());

    ScriptedAnswers(RasdEngine engine) {
        this.engine = engine;
    }

    /** Queues the answers the next requests get, in order. */
    ScriptedAnswers then(String... next) {
        answers.addAll(List.of(next));
        return this;
    }

    /** A published chat template of {@code testdata/chat-templates}, e.g. {@code qwen2.5-instruct.jinja}. */
    static ChatTemplate template(String file) {
        try {
            return ChatTemplate.of(
                    Files.readString(TestData.root().resolve("chat-templates").resolve(file)),
                    Map.of("bos_token", "<s>", "eos_token", "</s>"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RasdChatModel chatModel(RasdChatModel.Builder builder) {
        return new RasdChatModel(builder.engine(engine)) {
            @Override
            protected GenerationResult generate(
                    GenerationRequest r, GenerationListener l, Cancellation c, Reservation reservation) {
                return answer(r, l);
            }
        };
    }

    RasdStreamingChatModel streamingModel(RasdStreamingChatModel.Builder builder) {
        return new RasdStreamingChatModel(builder.engine(engine)) {
            @Override
            protected GenerationResult generate(
                    GenerationRequest r, GenerationListener l, Cancellation c, Reservation reservation) {
                if (reservation != null) {
                    reservation.close();
                }
                return answer(r, l);
            }
        };
    }

    private GenerationResult answer(GenerationRequest request, GenerationListener listener) {
        String answer = answers.poll();
        if (answer == null) {
            throw new AssertionError("no scripted answer left for the prompt: " + prompt(request));
        }
        prompts.add(prompt(request));
        for (int i = 0; i < answer.length(); i += 3) { // scripted answers are ASCII: no character is split
            listener.onTokens(new int[0], new TokenOrigin[0], answer.substring(i, Math.min(answer.length(), i + 3)));
        }
        int[] tokens = engine.tokenizer().encode(answer, false);
        return new GenerationResult(
                tokens,
                answer,
                FinishReason.STOP,
                GenerationStats.builder()
                        .promptTokens(request.promptTokens().length)
                        .generatedTokens(tokens.length)
                        .build());
    }

    private String prompt(GenerationRequest request) {
        return engine.tokenizer().decode(request.promptTokens(), false);
    }
}
