package io.rasd.langchain4j;

import static dev.langchain4j.internal.Utils.getOrDefault;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.SpeculationOverrides;
import java.time.Duration;
import java.util.Objects;

/**
 * LangChain4j's common request parameters plus rasd's own: the decoding mode, the sampler seed, the timeout and the
 * speculation knobs. Every field is optional; {@code null} means "inherit" (from the model's defaults, and finally from the
 * engine's {@link io.rasd.engine.SpeculationConfig}). {@link #overrideWith} and {@link #defaultedBy} keep rasd's fields
 * when the other side is a plain {@link ChatRequestParameters}. The speculation knobs are held as one
 * {@link SpeculationOverrides}, which defines their names, ranges and merging; the getters and builder setters below
 * only expose its components.
 */
public class RasdChatRequestParameters extends DefaultChatRequestParameters {

    private final DecodingMode mode;
    private final Long seed;
    private final Duration timeout;
    private final SpeculationOverrides speculation;

    protected RasdChatRequestParameters(Builder builder) {
        super(builder);
        this.mode = builder.mode;
        this.seed = builder.seed;
        this.timeout = builder.timeout;
        this.speculation = builder.speculation.build();
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

    /**
     * How long the whole call may take, queue wait included ({@link io.rasd.engine.GenerationRequest#timeout()}); past
     * it the generation stops at its next step and the call fails with LangChain4j's
     * {@link dev.langchain4j.exception.TimeoutException} (streaming: to {@code onError}, after the partial responses
     * already delivered). {@code null}: inherit; no limit when none is set anywhere.
     */
    public Duration timeout() {
        return timeout;
    }

    /** The speculation knobs set here (never null; {@link SpeculationOverrides#NONE} when none is). */
    public SpeculationOverrides speculation() {
        return speculation;
    }

    /** Whether budgets and depths are chosen from measured cost and acceptance (the hand-set ones become caps). */
    public Boolean adaptive() {
        return speculation.adaptive();
    }

    public Integer treeBudget() {
        return speculation.treeBudget();
    }

    public Integer draftDepth() {
        return speculation.draftDepth();
    }

    public Integer draftTopK() {
        return speculation.draftTopK();
    }

    public Integer draftBudget() {
        return speculation.draftBudget();
    }

    public Integer pruneTopK() {
        return speculation.pruneTopK();
    }

    public Integer retrievalBudget() {
        return speculation.retrievalBudget();
    }

    /** True when one of the speculation knobs (not mode or seed) is set. */
    public boolean hasSpeculationOverrides() {
        return !speculation.isEmpty();
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
        return mode == that.mode
                && Objects.equals(seed, that.seed)
                && Objects.equals(timeout, that.timeout)
                && speculation.equals(that.speculation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), mode, seed, timeout, speculation);
    }

    @Override
    public String toString() {
        String base = super.toString();
        String head = base.endsWith("}") ? base.substring(0, base.length() - 1) : base;
        return head.replaceFirst("^DefaultChatRequestParameters", "RasdChatRequestParameters")
                + ", mode=" + (mode == null ? null : mode.cliName()) + ", seed=" + seed + ", timeout=" + timeout
                + ", speculation=" + speculation + "}";
    }

    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {

        private DecodingMode mode;
        private Long seed;
        private Duration timeout;
        private SpeculationOverrides.Builder speculation = SpeculationOverrides.builder();

        /** Copies every non-null field of {@code parameters}, rasd's own too when it is a rasd one. */
        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof RasdChatRequestParameters p) {
                mode = getOrDefault(p.mode, mode);
                seed = getOrDefault(p.seed, seed);
                timeout = getOrDefault(p.timeout, timeout);
                speculation = speculation.build().merge(p.speculation).toBuilder();
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

        /** How long the whole call may take (see {@link RasdChatRequestParameters#timeout()}). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Replaces every speculation knob with those of {@code speculation} ({@code null}: none). */
        public Builder speculation(SpeculationOverrides speculation) {
            this.speculation = (speculation == null ? SpeculationOverrides.NONE : speculation).toBuilder();
            return this;
        }

        public Builder adaptive(Boolean adaptive) {
            speculation.adaptive(adaptive);
            return this;
        }

        public Builder treeBudget(Integer treeBudget) {
            speculation.treeBudget(treeBudget);
            return this;
        }

        public Builder draftDepth(Integer draftDepth) {
            speculation.draftDepth(draftDepth);
            return this;
        }

        public Builder draftTopK(Integer draftTopK) {
            speculation.draftTopK(draftTopK);
            return this;
        }

        public Builder draftBudget(Integer draftBudget) {
            speculation.draftBudget(draftBudget);
            return this;
        }

        public Builder pruneTopK(Integer pruneTopK) {
            speculation.pruneTopK(pruneTopK);
            return this;
        }

        public Builder retrievalBudget(Integer retrievalBudget) {
            speculation.retrievalBudget(retrievalBudget);
            return this;
        }

        @Override
        public RasdChatRequestParameters build() {
            return new RasdChatRequestParameters(this);
        }
    }
}
