package io.rasd.springai;

import io.rasd.RasdException;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.SpeculationOverrides;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * Spring AI's common chat options plus rasd's own: the decoding mode, the sampler seed, the timeout and the speculation
 * knobs.
 * Immutable; every field is optional and {@code null} means "inherit" (from the model's defaults, and finally from the
 * engine's {@link io.rasd.engine.SpeculationConfig}).
 *
 * <p>These options are {@link ToolCallingChatOptions} so that tools handed to a {@code ChatClient} reach the model
 * (with plain {@link ChatOptions} Spring AI drops them silently): their definitions become the chat template's
 * {@code tools}, and a model whose template renders none refuses them with a clear error.
 *
 * <p>They are {@link StructuredOutputChatOptions} so that {@code ChatClient}'s native structured output (the
 * {@code AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT} advisor parameter) hands the model the JSON schema of an
 * {@code entity(...)} type, which rasd follows by constrained decoding, instead of format instructions in the prompt.
 *
 * <p>{@link Builder#combineWith} follows Spring AI's rule (the other side's non-null values win, stop sequences add
 * up) and carries rasd's fields across when the other side is a rasd builder.
 *
 * <p>The speculation knobs are held as one {@link SpeculationOverrides}, which defines their names, ranges and
 * merging; the getters and builder setters below only expose its components.
 */
public class RasdSpringAiChatOptions extends DefaultToolCallingChatOptions implements StructuredOutputChatOptions {

    private final DecodingMode mode;
    private final Long seed;
    private final Duration timeout;
    private final SpeculationOverrides speculation;
    private final String outputSchema;

    /** Spring AI's fields as the builder passes them (its fields are protected), rasd's from {@code b}. */
    protected RasdSpringAiChatOptions(
            Builder b,
            List<ToolCallback> toolCallbacks,
            Map<String, Object> toolContext,
            String model,
            Double frequencyPenalty,
            Integer maxTokens,
            Double presencePenalty,
            List<String> stopSequences,
            Double temperature,
            Integer topK,
            Double topP) {
        super(
                toolCallbacks,
                toolContext,
                model,
                frequencyPenalty,
                maxTokens,
                presencePenalty,
                stopSequences,
                temperature,
                topK,
                topP);
        this.mode = b.mode;
        this.seed = b.seed;
        this.timeout = b.timeout;
        this.speculation = b.speculation.build();
        this.outputSchema = b.outputSchema;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Any Spring AI options as rasd options: the common fields, tool callbacks and context of
     * {@link ToolCallingChatOptions}, and rasd's own when {@code options} is already a rasd one (returned as is).
     */
    public static RasdSpringAiChatOptions from(ChatOptions options) {
        if (options instanceof RasdSpringAiChatOptions rasd) {
            return rasd;
        }
        Builder b = builder()
                .model(options.getModel())
                .frequencyPenalty(options.getFrequencyPenalty())
                .maxTokens(options.getMaxTokens())
                .presencePenalty(options.getPresencePenalty())
                .stopSequences(options.getStopSequences())
                .temperature(options.getTemperature())
                .topK(options.getTopK())
                .topP(options.getTopP());
        if (options instanceof ToolCallingChatOptions tools) {
            b.toolCallbacks(tools.getToolCallbacks()).toolContext(tools.getToolContext());
        }
        if (options instanceof StructuredOutputChatOptions structured) {
            b.outputSchema(structured.getOutputSchema());
        }
        return b.build();
    }

    /** Which proposal sources speculate; every mode gives the same output as plain decoding. */
    public DecodingMode getMode() {
        return mode;
    }

    /** Seeds the sampler: the same seed and options give the same text. */
    public Long getSeed() {
        return seed;
    }

    /**
     * How long a call may take, counted from when the engine takes it (queue wait, prefill and decoding included);
     * past it the generation stops at its next decoding step, frees its engine slot and the call throws
     * {@link io.rasd.engine.RasdTimeoutException}, whose partial result holds what was generated (a stream gets it
     * through {@code onError}, after the chunks it already delivered). {@code null}: inherit; no limit by default.
     */
    public Duration getTimeout() {
        return timeout;
    }

    /** The speculation knobs set here (never null; {@link SpeculationOverrides#NONE} when none is). */
    public SpeculationOverrides getSpeculation() {
        return speculation;
    }

    /** Whether budgets and depths are chosen from measured cost and acceptance (the hand-set ones become caps). */
    public Boolean getAdaptive() {
        return speculation.adaptive();
    }

    public Integer getTreeBudget() {
        return speculation.treeBudget();
    }

    public Integer getDraftDepth() {
        return speculation.draftDepth();
    }

    public Integer getDraftTopK() {
        return speculation.draftTopK();
    }

    public Integer getDraftBudget() {
        return speculation.draftBudget();
    }

    public Integer getPruneTopK() {
        return speculation.pruneTopK();
    }

    public Integer getRetrievalBudget() {
        return speculation.retrievalBudget();
    }

    /** The JSON schema the answer must follow (constrained decoding); null: free text. */
    @Override
    public String getOutputSchema() {
        return outputSchema;
    }

    /** True when one of the speculation knobs (not mode or seed) is set. */
    public boolean hasSpeculationOverrides() {
        return !speculation.isEmpty();
    }

    @Override
    public Builder mutate() {
        return builder()
                .model(getModel())
                .frequencyPenalty(getFrequencyPenalty())
                .maxTokens(getMaxTokens())
                .presencePenalty(getPresencePenalty())
                .stopSequences(getStopSequences())
                .temperature(getTemperature())
                .topK(getTopK())
                .topP(getTopP())
                .toolCallbacks(getToolCallbacks())
                .toolContext(getToolContext())
                .mode(mode)
                .seed(seed)
                .timeout(timeout)
                .speculation(speculation)
                .outputSchema(outputSchema);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!super.equals(o)) { // same class and the common and tool fields
            return false;
        }
        RasdSpringAiChatOptions that = (RasdSpringAiChatOptions) o;
        return mode == that.mode
                && Objects.equals(seed, that.seed)
                && Objects.equals(timeout, that.timeout)
                && speculation.equals(that.speculation)
                && Objects.equals(outputSchema, that.outputSchema);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), mode, seed, timeout, speculation, outputSchema);
    }

    @Override
    public String toString() {
        List<ToolCallback> tools = getToolCallbacks();
        return "RasdSpringAiChatOptions{model=" + getModel() + ", temperature=" + getTemperature() + ", topK="
                + getTopK() + ", topP=" + getTopP() + ", maxTokens=" + getMaxTokens() + ", stopSequences="
                + getStopSequences() + ", frequencyPenalty=" + getFrequencyPenalty() + ", presencePenalty="
                + getPresencePenalty() + ", mode=" + (mode == null ? null : mode.cliName()) + ", seed=" + seed
                + ", timeout=" + timeout + ", speculation=" + speculation
                + (tools == null || tools.isEmpty() ? "" : ", toolCallbacks=" + tools.size())
                + (outputSchema == null ? "" : ", outputSchema=" + outputSchema) + "}";
    }

    public static class Builder extends DefaultToolCallingChatOptions.Builder<Builder>
            implements StructuredOutputChatOptions.Builder<Builder> {

        private DecodingMode mode;
        private String outputSchema;
        private Long seed;
        private Duration timeout;
        private SpeculationOverrides.Builder speculation = SpeculationOverrides.builder();

        /** Spring AI's merge (the other side's non-null values win), rasd's fields too when it is a rasd builder. */
        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder that) {
                mode = that.mode != null ? that.mode : mode;
                seed = that.seed != null ? that.seed : seed;
                timeout = that.timeout != null ? that.timeout : timeout;
                speculation = speculation.build().merge(that.speculation.build()).toBuilder();
                outputSchema = that.outputSchema != null ? that.outputSchema : outputSchema;
            }
            return this;
        }

        public Builder mode(DecodingMode mode) {
            this.mode = mode;
            return this;
        }

        /** The mode by its CLI name: ar, draft, pld, datastore, rasd-pld, rasd-datastore, rasd. */
        public Builder mode(String mode) {
            try {
                this.mode = mode == null ? null : DecodingMode.parse(mode);
            } catch (RasdException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        /** A JSON schema (its text) the answer must follow, by constrained decoding; null: free text. */
        @Override
        public Builder outputSchema(String outputSchema) {
            this.outputSchema = outputSchema;
            return this;
        }

        /** How long a call may take (see {@link RasdSpringAiChatOptions#getTimeout()}). */
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
        public RasdSpringAiChatOptions build() {
            return new RasdSpringAiChatOptions(
                    this,
                    toolCallbacks,
                    toolContext,
                    model,
                    frequencyPenalty,
                    maxTokens,
                    presencePenalty,
                    stopSequences,
                    temperature,
                    topK,
                    topP);
        }
    }
}
