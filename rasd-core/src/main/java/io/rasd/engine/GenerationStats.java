package io.rasd.engine;

import io.rasd.tree.TokenOrigin;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one generation cost. Built with {@link #builder()}, which derives the means and rates.
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
 * @param retrievalSkips steps that went on without a retrieval source because the accepted tokens credited to it did
 *     not pay for its nodes (summed over the sources)
 * @param cachedPromptTokens prompt tokens whose KV rows came from the engine's {@link PrefixCache} instead of the
 *     prefill ({@code prefillSeconds} covers the rest); 0 without a cache or on a miss
 * @param constraintSeconds time in constrained decoding's work (allowed-token masks, grammar states, pruning the
 *     tree), part of {@code seconds}; 0 for unconstrained requests
 */
public record GenerationStats(
        int promptTokens,
        int generatedTokens,
        int targetForwards,
        double meanAccepted,
        double prefillSeconds,
        double seconds,
        double tokensPerSecond,
        Map<TokenOrigin, Integer> acceptedByOrigin,
        double draftSeconds,
        double retrievalSeconds,
        double verifySeconds,
        int draftForwards,
        double meanTreeNodes,
        int fallbacks,
        int plainSteps,
        int draftSkips,
        int retrievalSkips,
        int cachedPromptTokens,
        double constraintSeconds) {

    public GenerationStats {
        acceptedByOrigin = Map.copyOf(acceptedByOrigin);
    }

    public int accepted(TokenOrigin origin) {
        return acceptedByOrigin.getOrDefault(origin, 0);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Named setters for the measured values; {@link #build} derives τ, tokens per second and nodes per forward. */
    public static final class Builder {
        private int promptTokens;
        private double constraintSeconds;
        private int generatedTokens;
        private int targetForwards;
        private double prefillSeconds;
        private double seconds;
        private final Map<TokenOrigin, Integer> acceptedByOrigin = new EnumMap<>(TokenOrigin.class);
        private double draftSeconds;
        private double retrievalSeconds;
        private double verifySeconds;
        private int draftForwards;
        private long treeNodes;
        private int fallbacks;
        private int plainSteps;
        private int draftSkips;
        private int retrievalSkips;
        private int cachedPromptTokens;

        private Builder() {}

        public Builder promptTokens(int v) {
            promptTokens = v;
            return this;
        }

        public Builder generatedTokens(int v) {
            generatedTokens = v;
            return this;
        }

        public Builder targetForwards(int v) {
            targetForwards = v;
            return this;
        }

        public Builder prefillSeconds(double v) {
            prefillSeconds = v;
            return this;
        }

        public Builder seconds(double v) {
            seconds = v;
            return this;
        }

        public Builder acceptedByOrigin(Map<TokenOrigin, Integer> v) {
            acceptedByOrigin.putAll(v);
            return this;
        }

        public Builder draftSeconds(double v) {
            draftSeconds = v;
            return this;
        }

        public Builder retrievalSeconds(double v) {
            retrievalSeconds = v;
            return this;
        }

        public Builder verifySeconds(double v) {
            verifySeconds = v;
            return this;
        }

        public Builder draftForwards(int v) {
            draftForwards = v;
            return this;
        }
        /** Proposed nodes verified over all target forwards (the roots not counted). */
        public Builder treeNodes(long v) {
            treeNodes = v;
            return this;
        }

        public Builder fallbacks(int v) {
            fallbacks = v;
            return this;
        }

        public Builder plainSteps(int v) {
            plainSteps = v;
            return this;
        }

        public Builder retrievalSkips(int v) {
            retrievalSkips = v;
            return this;
        }

        public Builder draftSkips(int v) {
            draftSkips = v;
            return this;
        }

        public Builder cachedPromptTokens(int v) {
            cachedPromptTokens = v;
            return this;
        }

        public Builder constraintSeconds(double v) {
            constraintSeconds = v;
            return this;
        }

        public GenerationStats build() {
            double meanAccepted = targetForwards == 0 ? 0 : (double) generatedTokens / targetForwards;
            double meanTreeNodes = targetForwards == 0 ? 0 : (double) treeNodes / targetForwards;
            return new GenerationStats(
                    promptTokens,
                    generatedTokens,
                    targetForwards,
                    meanAccepted,
                    prefillSeconds,
                    seconds,
                    seconds > 0 ? generatedTokens / seconds : 0,
                    acceptedByOrigin,
                    draftSeconds,
                    retrievalSeconds,
                    verifySeconds,
                    draftForwards,
                    meanTreeNodes,
                    fallbacks,
                    plainSteps,
                    draftSkips,
                    retrievalSkips,
                    cachedPromptTokens,
                    constraintSeconds);
        }
    }
}
