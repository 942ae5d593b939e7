package io.rasd.engine;

import io.rasd.RasdException;
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
 */
public record GenerationRequest(int[] promptTokens, int maxNewTokens, DecodingMode mode, SamplingParams sampling,
                                Long seed, List<String> stopStrings, SpeculationConfig speculation,
                                List<int[]> references) {

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
        references = references == null ? List.of()
                : references.stream().filter(r -> r != null && r.length > 0).map(int[]::clone).toList();
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

    /** A request with its own speculation settings and no references. */
    public GenerationRequest(int[] promptTokens, int maxNewTokens, DecodingMode mode, SamplingParams sampling,
                             Long seed, List<String> stopStrings, SpeculationConfig speculation) {
        this(promptTokens, maxNewTokens, mode, sampling, seed, stopStrings, speculation, List.of());
    }

    /** A request that uses the engine's speculation settings. */
    public GenerationRequest(int[] promptTokens, int maxNewTokens, DecodingMode mode, SamplingParams sampling,
                             Long seed, List<String> stopStrings) {
        this(promptTokens, maxNewTokens, mode, sampling, seed, stopStrings, null, List.of());
    }

    public static GenerationRequest greedy(int[] prompt, int maxNewTokens) {
        return new GenerationRequest(prompt, maxNewTokens, DecodingMode.AR, SamplingParams.GREEDY, null, List.of());
    }

    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    @Override
    public List<int[]> references() {
        return references.stream().map(int[]::clone).toList();
    }

    public int promptLength() {
        return promptTokens.length;
    }
}
