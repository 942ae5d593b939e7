package io.rasd.langchain4j;

import static dev.langchain4j.internal.Utils.getOrDefault;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import io.rasd.engine.DecodingMode;
import java.util.Objects;

/**
 * LangChain4j's common request parameters plus rasd's own: the decoding mode, the sampler seed and the speculation
 * knobs. Every field is optional; {@code null} means "inherit" (from the model's defaults, and finally from the
 * engine's {@link io.rasd.engine.SpeculationConfig}). {@link #overrideWith} and {@link #defaultedBy} keep rasd's fields
 * when the other side is a plain {@link ChatRequestParameters}.
 */
public class RasdChatRequestParameters extends DefaultChatRequestParameters {

    private final DecodingMode mode;
    private final Long seed;
    private final Boolean adaptive;
    private final Integer treeBudget;
    private final Integer draftDepth;
    private final Integer draftTopK;
    private final Integer draftBudget;
    private final Integer pruneTopK;
    private final Integer retrievalBudget;

    protected RasdChatRequestParameters(Builder builder) {
        super(builder);
        this.mode = builder.mode;
        this.seed = builder.seed;
        this.adaptive = builder.adaptive;
        this.treeBudget = builder.treeBudget;
        this.draftDepth = builder.draftDepth;
        this.draftTopK = builder.draftTopK;
        this.draftBudget = builder.draftBudget;
        this.pruneTopK = builder.pruneTopK;
        this.retrievalBudget = builder.retrievalBudget;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Which proposal sources speculate; every mode gives the same output as plain decoding. */
    public DecodingMode mode() {
        return mode;
    }

    /** Seeds the sampler: the same seed and parameters give the same text. */
    public Long seed() {
        return seed;
    }

    /** Whether budgets and depths are chosen from measured cost and acceptance (the hand-set ones become caps). */
    public Boolean adaptive() {
        return adaptive;
    }

    public Integer treeBudget() {
        return treeBudget;
    }

    public Integer draftDepth() {
        return draftDepth;
    }

    public Integer draftTopK() {
        return draftTopK;
    }

    public Integer draftBudget() {
        return draftBudget;
    }

    public Integer pruneTopK() {
        return pruneTopK;
    }

    public Integer retrievalBudget() {
        return retrievalBudget;
    }

    /** True when one of the speculation knobs (not mode or seed) is set. */
    public boolean hasSpeculationOverrides() {
        return adaptive != null || treeBudget != null || draftDepth != null || draftTopK != null
                || draftBudget != null || pruneTopK != null || retrievalBudget != null;
    }

    @Override
    public RasdChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public RasdChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RasdChatRequestParameters that) || !super.equals(o)) {
            return false;
        }
        return mode == that.mode && Objects.equals(seed, that.seed) && Objects.equals(adaptive, that.adaptive)
                && Objects.equals(treeBudget, that.treeBudget) && Objects.equals(draftDepth, that.draftDepth)
                && Objects.equals(draftTopK, that.draftTopK) && Objects.equals(draftBudget, that.draftBudget)
                && Objects.equals(pruneTopK, that.pruneTopK) && Objects.equals(retrievalBudget, that.retrievalBudget);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), mode, seed, adaptive, treeBudget, draftDepth, draftTopK, draftBudget,
                pruneTopK, retrievalBudget);
    }

    @Override
    public String toString() {
        String base = super.toString();
        String head = base.endsWith("}") ? base.substring(0, base.length() - 1) : base;
        return head.replaceFirst("^DefaultChatRequestParameters", "RasdChatRequestParameters")
                + ", mode=" + (mode == null ? null : mode.cliName()) + ", seed=" + seed + ", adaptive=" + adaptive
                + ", treeBudget=" + treeBudget + ", draftDepth=" + draftDepth + ", draftTopK=" + draftTopK
                + ", draftBudget=" + draftBudget + ", pruneTopK=" + pruneTopK + ", retrievalBudget="
                + retrievalBudget + "}";
    }

    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {

        private DecodingMode mode;
        private Long seed;
        private Boolean adaptive;
        private Integer treeBudget;
        private Integer draftDepth;
        private Integer draftTopK;
        private Integer draftBudget;
        private Integer pruneTopK;
        private Integer retrievalBudget;

        /** Copies every non-null field of {@code parameters}, rasd's own too when it is a rasd one. */
        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof RasdChatRequestParameters p) {
                mode = getOrDefault(p.mode, mode);
                seed = getOrDefault(p.seed, seed);
                adaptive = getOrDefault(p.adaptive, adaptive);
                treeBudget = getOrDefault(p.treeBudget, treeBudget);
                draftDepth = getOrDefault(p.draftDepth, draftDepth);
                draftTopK = getOrDefault(p.draftTopK, draftTopK);
                draftBudget = getOrDefault(p.draftBudget, draftBudget);
                pruneTopK = getOrDefault(p.pruneTopK, pruneTopK);
                retrievalBudget = getOrDefault(p.retrievalBudget, retrievalBudget);
            }
            return this;
        }

        public Builder mode(DecodingMode mode) {
            this.mode = mode;
            return this;
        }

        /** The mode by its CLI name: ar, draft, pld, datastore, rasd-pld, rasd-datastore, rasd. */
        public Builder mode(String mode) {
            this.mode = mode == null ? null : DecodingMode.parse(mode);
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder adaptive(Boolean adaptive) {
            this.adaptive = adaptive;
            return this;
        }

        public Builder treeBudget(Integer treeBudget) {
            this.treeBudget = treeBudget;
            return this;
        }

        public Builder draftDepth(Integer draftDepth) {
            this.draftDepth = draftDepth;
            return this;
        }

        public Builder draftTopK(Integer draftTopK) {
            this.draftTopK = draftTopK;
            return this;
        }

        public Builder draftBudget(Integer draftBudget) {
            this.draftBudget = draftBudget;
            return this;
        }

        public Builder pruneTopK(Integer pruneTopK) {
            this.pruneTopK = pruneTopK;
            return this;
        }

        public Builder retrievalBudget(Integer retrievalBudget) {
            this.retrievalBudget = retrievalBudget;
            return this;
        }

        @Override
        public RasdChatRequestParameters build() {
            return new RasdChatRequestParameters(this);
        }
    }
}
