package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import io.rasd.verify.SamplingParams;
import java.util.List;

/**
 * One generation: prompt token ids (used verbatim), budget, sampling, stop conditions and, optionally, speculation
 * settings for this request only.
 *
 * @param seed seeds the sampler; the same seed gives the same output. {@code null}: a fresh random seed
 * @param stopStrings generation ends when the text contains one; the text returned stops before it. At most
 *     {@link #MAX_STOP_STRINGS}, each non-empty and at most {@link #MAX_STOP_STRING_CHARS} chars
 * @param speculation overrides the engine's speculation settings for this request; {@code null}: the engine's
 * @param references token sequences known to be relevant to this request (e.g. the RAG segments retrieved for it);
 *     the datastore modes also propose their continuations, weighted {@link io.rasd.retrieval.DatastoreSource#REFERENCE_BOOST} times a datastore
 *     occurrence. Proposals only: the output does not depend on them
 * @param constraint constrained decoding: the output must be a document of this grammar (JSON mode, a JSON schema);
 *     {@code null}: unconstrained. The target's distribution is restricted to the tokens the grammar allows at every
 *     token, in every mode alike, and the generation ends when the document is complete (docs/architecture.md §15)
 */
public record GenerationRequest(
        int[] promptTokens,
        int maxNewTokens,
        DecodingMode mode,
        SamplingParams sampling,
        Long seed,
        List<String> stopStrings,
        SpeculationConfig speculation,
        List<int[]> references,
        Grammar constraint) {

    /** Every stop string is matched against every generated char: their number bounds the cost per token. */
    public static final int MAX_STOP_STRINGS = 16;
    /** A longer stop string is a mistake (a document passed as a stop), not a stop condition. */
    public static final int MAX_STOP_STRING_CHARS = 1000;

    public GenerationRequest {
        if (promptTokens == null || promptTokens.length == 0) {
            throw new RasdException("The prompt is empty: at least one token is needed to condition generation");
        }
        promptTokens = promptTokens.clone();
        if (maxNewTokens < 1) {
            throw new RasdException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        mode = mode == null ? DecodingMode.AR : mode;
        sampling = sampling == null ? SamplingParams.GREEDY : sampling;
        stopStrings = stopStrings == null ? List.of() : checkStopStrings(stopStrings);
        references = references == null
                ? List.of()
                : references.stream()
                        .filter(r -> r != null && r.length > 0)
                        .map(int[]::clone)
                        .toList();
    }

    private static List<String> checkStopStrings(List<String> stops) {
        if (stops.size() > MAX_STOP_STRINGS) {
            throw new RasdException("at most " + MAX_STOP_STRINGS + " stop strings are allowed, got " + stops.size());
        }
        for (int i = 0; i < stops.size(); i++) {
            String s = stops.get(i);
            if (s == null || s.isEmpty()) {
                throw new RasdException("stop strings must not be empty or null (stop string " + (i + 1) + " of "
                        + stops.size() + " is " + (s == null ? "null" : "empty") + ")");
            }
            if (s.length() > MAX_STOP_STRING_CHARS) {
                throw new RasdException("stop strings may have at most " + MAX_STOP_STRING_CHARS + " chars; stop"
                        + " string " + (i + 1) + " has " + s.length() + " (\"" + s.substring(0, 20) + "...\")");
            }
        }
        return List.copyOf(stops);
    }

    /** An unconstrained request. */
    public GenerationRequest(
            int[] promptTokens,
            int maxNewTokens,
            DecodingMode mode,
            SamplingParams sampling,
            Long seed,
            List<String> stopStrings,
            SpeculationConfig speculation,
            List<int[]> references) {
        this(promptTokens, maxNewTokens, mode, sampling, seed, stopStrings, speculation, references, null);
    }

    /** A request with its own speculation settings and no references. */
    public GenerationRequest(
            int[] promptTokens,
            int maxNewTokens,
            DecodingMode mode,
            SamplingParams sampling,
            Long seed,
            List<String> stopStrings,
            SpeculationConfig speculation) {
        this(promptTokens, maxNewTokens, mode, sampling, seed, stopStrings, speculation, List.of(), null);
    }

    /** A request that uses the engine's speculation settings. */
    public GenerationRequest(
            int[] promptTokens,
            int maxNewTokens,
            DecodingMode mode,
            SamplingParams sampling,
            Long seed,
            List<String> stopStrings) {
        this(promptTokens, maxNewTokens, mode, sampling, seed, stopStrings, null, List.of(), null);
    }

    public static GenerationRequest greedy(int[] prompt, int maxNewTokens) {
        return builder(prompt).maxNewTokens(maxNewTokens).build();
    }

    /** A request for {@code prompt}: 256 new tokens, mode {@code ar}, greedy, the engine's speculation settings. */
    public static Builder builder(int[] prompt) {
        return new Builder(prompt);
    }

    /** A copy-and-change builder of this request. */
    public Builder toBuilder() {
        return new Builder(promptTokens)
                .maxNewTokens(maxNewTokens)
                .mode(mode)
                .sampling(sampling)
                .seed(seed)
                .stopStrings(stopStrings)
                .speculation(speculation)
                .references(references)
                .constraint(constraint);
    }

    /** Named settings; {@link #build} validates them as the constructor does. */
    public static final class Builder {
        private final int[] promptTokens;
        private int maxNewTokens = 256;
        private DecodingMode mode = DecodingMode.AR;
        private SamplingParams sampling = SamplingParams.GREEDY;
        private Long seed;
        private List<String> stopStrings = List.of();
        private SpeculationConfig speculation;
        private List<int[]> references = List.of();
        private Grammar constraint;

        private Builder(int[] promptTokens) {
            this.promptTokens = promptTokens;
        }

        public Builder maxNewTokens(int maxNewTokens) {
            this.maxNewTokens = maxNewTokens;
            return this;
        }

        public Builder mode(DecodingMode mode) {
            this.mode = mode;
            return this;
        }

        public Builder sampling(SamplingParams sampling) {
            this.sampling = sampling;
            return this;
        }

        /** Seeds the sampler; {@code null} (default): a fresh random seed. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder stopStrings(List<String> stopStrings) {
            this.stopStrings = stopStrings;
            return this;
        }

        /** Speculation settings for this request only; {@code null} (default): the engine's. */
        public Builder speculation(SpeculationConfig speculation) {
            this.speculation = speculation;
            return this;
        }

        /** Token sequences known to be relevant (e.g. the RAG segments retrieved for this request). */
        public Builder references(List<int[]> references) {
            this.references = references;
            return this;
        }

        /**
         * Constrained decoding: the output must be a document of {@code grammar}, e.g.
         * {@link Grammar#jsonObject()} or {@link Grammar#jsonSchema(String)}; {@code null} (default): unconstrained.
         */
        public Builder constraint(Grammar grammar) {
            this.constraint = grammar;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(
                    promptTokens, maxNewTokens, mode, sampling, seed, stopStrings, speculation, references, constraint);
        }
    }

    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    @Override
    public List<int[]> references() {
        return references.stream().map(int[]::clone).toList();
    }

    /**
     * Throws a {@link RasdException} when the prompt does not fit {@code target}: it must leave room for one new token
     * in the context window, and every id must be in the vocabulary.
     */
    public void checkFits(io.rasd.model.CausalLm target) {
        int limit = target.contextLimit();
        if (promptTokens.length >= limit) {
            throw new RasdException("The prompt has " + promptTokens.length + " tokens but the context window of "
                    + target.directory().getFileName() + " is " + limit + " tokens (leave room for at least one"
                    + " new token)");
        }
        int vocab = target.config().vocabSize();
        for (int t : promptTokens) {
            if (t < 0 || t >= vocab) {
                throw new RasdException("Prompt token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    public int promptLength() {
        return promptTokens.length;
    }
}
