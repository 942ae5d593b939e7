package io.rasd.engine;

import java.util.Map;

/**
 * What one generation cost.
 *
 * @param targetForwards target forward passes after the prompt (one per committed step)
 * @param meanAccepted tokens committed per target forward (τ); 1 for plain decoding
 * @param prefillSeconds wall time of the prefill (prefix-cache lookup and restore included)
 * @param seconds wall time of the decoding loop, prefill excluded
 * @param tokensPerSecond generated tokens / seconds
 * @param acceptedByOrigin committed tokens by proposer; {@link TokenOrigin#TARGET} counts the bonus tokens
 * @param draftSeconds time in draft-model forwards (catch-up included)
 * @param retrievalSeconds time in prompt lookup and datastore queries, retrieval-tree building and pruning; with a
 *     draft model it runs on a worker thread in parallel, so it overlaps {@code draftSeconds}
 * @param verifySeconds time in target forwards and acceptance
 * @param meanTreeNodes proposed nodes verified per target forward (the root not counted)
 * @param fallbacks times adaptive control switched to plain decoding because speculation did not pay
 * @param plainSteps steps decoded plainly during those fallbacks
 * @param draftSkips steps that used retrieval alone because the draft model did not pay for itself
 * @param cachedPromptTokens prompt tokens whose KV rows came from the engine's {@link PrefixCache} instead of the
 *     prefill ({@code prefillSeconds} covers the rest); 0 without a cache or on a miss
 */
public record GenerationStats(int promptTokens, int generatedTokens, int targetForwards, double meanAccepted,
                              double prefillSeconds, double seconds, double tokensPerSecond,
                              Map<TokenOrigin, Integer> acceptedByOrigin, double draftSeconds,
                              double retrievalSeconds, double verifySeconds, int draftForwards,
                              double meanTreeNodes, int fallbacks, int plainSteps, int draftSkips,
                              int cachedPromptTokens) {

    public GenerationStats {
        acceptedByOrigin = Map.copyOf(acceptedByOrigin);
    }

    public int accepted(TokenOrigin origin) {
        return acceptedByOrigin.getOrDefault(origin, 0);
    }
}
