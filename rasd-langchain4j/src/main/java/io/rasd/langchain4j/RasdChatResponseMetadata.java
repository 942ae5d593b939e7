package io.rasd.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationStats;
import io.rasd.tree.TokenOrigin;
import java.util.Objects;

/**
 * LangChain4j's response metadata plus what speculation did for this response: the mode, tokens per target forward
 * (τ), accepted tokens by source, tokens per second, and the full {@link GenerationStats}.
 */
public class RasdChatResponseMetadata extends ChatResponseMetadata {

    private final DecodingMode mode;
    private final GenerationStats stats;

    protected RasdChatResponseMetadata(Builder builder) {
        super(builder);
        this.mode = builder.mode;
        this.stats = builder.stats;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The decoding mode that produced the response. */
    public DecodingMode mode() {
        return mode;
    }

    /** Everything the engine measured: forwards, τ, accepted tokens by source, draft/retrieval/verify seconds... */
    public GenerationStats stats() {
        return stats;
    }

    /** Tokens committed per target forward (τ); 1 for plain decoding. */
    public double meanAcceptedTokens() {
        return stats == null ? 0 : stats.meanAccepted();
    }

    /** Target forward passes after the prompt: one per decoding step. */
    public int targetForwards() {
        return stats == null ? 0 : stats.targetForwards();
    }

    /** Generated tokens per second of decoding (prefill excluded). */
    public double tokensPerSecond() {
        return stats == null ? 0 : stats.tokensPerSecond();
    }

    /** Tokens proposed by {@code origin} and accepted; {@link TokenOrigin#TARGET} counts the target's own tokens. */
    public int acceptedTokens(TokenOrigin origin) {
        return stats == null ? 0 : stats.accepted(origin);
    }

    @Override
    public Builder toBuilder() {
        return ((Builder) toBuilder(builder())).mode(mode).stats(stats);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RasdChatResponseMetadata that) || !super.equals(o)) {
            return false;
        }
        return mode == that.mode && Objects.equals(stats, that.stats);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), mode, stats);
    }

    @Override
    public String toString() {
        return "RasdChatResponseMetadata{id=" + id() + ", modelName=" + modelName() + ", tokenUsage=" + tokenUsage()
                + ", finishReason=" + finishReason() + ", mode=" + (mode == null ? null : mode.cliName())
                + ", tau=" + String.format(java.util.Locale.ROOT, "%.2f", meanAcceptedTokens())
                + ", tokensPerSecond=" + String.format(java.util.Locale.ROOT, "%.1f", tokensPerSecond())
                + ", acceptedBySource=" + (stats == null ? "{}" : stats.acceptedByOrigin()) + "}";
    }

    public static class Builder extends ChatResponseMetadata.Builder<Builder> {

        private DecodingMode mode;
        private GenerationStats stats;

        public Builder mode(DecodingMode mode) {
            this.mode = mode;
            return this;
        }

        public Builder stats(GenerationStats stats) {
            this.stats = stats;
            return this;
        }

        @Override
        public RasdChatResponseMetadata build() {
            return new RasdChatResponseMetadata(this);
        }
    }
}
