package io.rasd.text.tools;

import io.rasd.RasdException;
import io.rasd.text.ChatTemplate;
import java.util.List;
import java.util.Optional;

/**
 * How a model family writes a tool call in its answer: each family was trained on one convention, and its chat
 * template shows it to the model (the system prompt it renders around {@code tools}, and the way it renders the
 * assistant's earlier calls). {@link ToolCallStream} reads answers in any of them.
 *
 * <p>Special tokens: the engine decodes with special tokens skipped, as HF does by default, so a marker that is a
 * special token of its tokenizer ({@code [TOOL_CALLS]} of Mistral's, {@code <|python_tag|>} of Llama 3's) never reaches
 * the parser; it recognises those calls by the JSON that opens the answer instead ({@link #openings()}), as vLLM's
 * Llama 3 parser does. A marker that does reach it (a tokenizer where it is plain text) works too.
 */
public enum ToolCallFormat {

    /**
     * Hermes-style, as Qwen2.5, Qwen3, SmolLM3 and NousResearch Hermes write it: one {@code <tool_call>{"name": ...,
     * "arguments": {...}}</tool_call>} block per call, anywhere in the answer, text around them.
     */
    HERMES(List.of("<tool_call>"), "</tool_call>", List.of()),

    /**
     * Llama 3.1/3.2/3.3's JSON tool calls: the answer is {@code {"name": ..., "parameters": {...}}} (several separated
     * by {@code ;}), possibly after {@code <|python_tag|>}.
     */
    LLAMA3_JSON(List.of("<|python_tag|>"), null, List.of(List.of("{", "\"name\""), List.of("{", "\"type\""))),

    /**
     * Mistral's (Mistral-7B-Instruct-v0.3, Mistral-Nemo): {@code [TOOL_CALLS][{"name": ..., "arguments": {...}},
     * ...]}, the calls as one JSON array that runs to the end of the answer.
     */
    MISTRAL(List.of("[TOOL_CALLS]"), null, List.of(List.of("[", "{", "\"name\"")));

    private final List<String> markers;
    private final String blockEnd;
    private final List<List<String>> openings;

    ToolCallFormat(List<String> markers, String blockEnd, List<List<String>> openings) {
        this.markers = markers;
        this.blockEnd = blockEnd;
        this.openings = openings;
    }

    /** Text that starts tool calls wherever it appears. */
    List<String> markers() {
        return markers;
    }

    /** What ends one call's block ({@link #HERMES}); null when the calls run to the end of the answer. */
    String blockEnd() {
        return blockEnd;
    }

    /**
     * Token sequences (whitespace allowed between them) that start tool calls when the answer begins with them: the
     * JSON a format writes after a special-token marker the detokenizer skipped.
     */
    List<List<String>> openings() {
        return openings;
    }

    /**
     * The format a chat template teaches its model, read from the template's text: {@code <tool_call>} (Qwen, Hermes,
     * SmolLM3), {@code [TOOL_CALLS]} (Mistral), or Llama 3's {@code "parameters"} convention; empty when the template
     * shows none of them.
     */
    public static Optional<ToolCallFormat> detect(String templateText) {
        if (templateText.contains("<tool_call>")) {
            return Optional.of(HERMES);
        }
        if (templateText.contains("[TOOL_CALLS]")) {
            return Optional.of(MISTRAL);
        }
        if (templateText.contains("\"parameters\"") || templateText.contains("<|python_tag|>")) {
            return Optional.of(LLAMA3_JSON);
        }
        return Optional.empty();
    }

    /**
     * The format to read a model's tool calls in, for a request that offers tools: {@code override} when set, else the
     * one {@link #detect detected} in {@code template}. Throws a {@link RasdException} that names the model and the
     * template when the template does not render tools at all (they would silently be left out of the prompt), or
     * when no format is set and none can be detected.
     *
     * @param modelName the name errors call the model by
     */
    public static ToolCallFormat resolve(ChatTemplate template, ToolCallFormat override, String modelName) {
        if (!template.readsTools()) {
            throw new RasdException("The chat template of " + modelName + " (" + template.source() + ") does not"
                    + " support tools: it never reads the `tools` variable, so the tools offered would not reach the"
                    + " model; use a model whose template renders tools (Llama 3.1+, Qwen2.5, Qwen3, Mistral) or give"
                    + " the chat model a template that does");
        }
        if (override != null) {
            return override;
        }
        return detect(template.text())
                .orElseThrow(() -> new RasdException("The chat template of " + modelName + " (" + template.source()
                        + ") renders tools, but rasd cannot tell from it how the model writes tool calls; set the"
                        + " tool-call format explicitly (one of " + List.of(values()) + ")"));
    }
}
