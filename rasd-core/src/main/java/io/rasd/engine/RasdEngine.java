package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.text.IncrementalDetokenizer;
import io.rasd.text.Tokenizer;
import io.rasd.verify.TokenSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The decoding loop. State between steps: the target's KV cache holds the context except its last token, the root
 * of the next step. Each step proposes, verifies in one target forward and commits; plain decoding ({@link
 * DecodingMode#AR}) proposes nothing and commits one token per forward.
 *
 * <p>Thread-safety: {@link #generate} may be called from several threads; each call has its own KV cache and the
 * model's weights are read-only.
 */
public final class RasdEngine implements AutoCloseable {

    private final CausalLm target;
    private final Tokenizer tokenizer;
    private final boolean ownsModels;

    private RasdEngine(Builder b) {
        this.target = Objects.requireNonNull(b.target, "target model");
        this.tokenizer = Objects.requireNonNull(b.tokenizer, "tokenizer");
        this.ownsModels = b.ownsModels;
        int tokVocab = tokenizer.vocabSize();
        if (tokVocab > target.config().vocabSize()) {
            throw new RasdException("Tokenizer " + tokenizer.directory() + " has " + tokVocab
                    + " tokens but the model " + target.directory() + " has vocab_size "
                    + target.config().vocabSize() + "; they do not belong together");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public CausalLm target() {
        return target;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(request, GenerationListener.NONE);
    }

    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        int[] prompt = request.promptTokens();
        int limit = target.contextLimit();
        if (prompt.length >= limit) {
            throw new RasdException("The prompt has " + prompt.length + " tokens but the context window of "
                    + target.directory().getFileName() + " is " + limit + " tokens (leave room for at least one"
                    + " new token)");
        }
        int vocab = target.config().vocabSize();
        for (int t : prompt) {
            if (t < 0 || t >= vocab) {
                throw new RasdException("Prompt token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        SplittableRandom rng = new SplittableRandom(request.seed() != null ? request.seed()
                : new SplittableRandom().nextLong());
        IncrementalDetokenizer detok = new IncrementalDetokenizer(tokenizer, true);
        StopStringFilter filter = new StopStringFilter(request.stopStrings());
        List<Integer> out = new ArrayList<>();
        FinishReason finish = FinishReason.LENGTH;
        int forwards = 0;

        try (KvCache cache = target.newCache()) {
            long t0 = System.nanoTime();
            if (prompt.length > 1) {
                int[] context = java.util.Arrays.copyOf(prompt, prompt.length - 1);
                int[] pos = new int[context.length];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = i;
                }
                target.forward(cache, context, pos, io.rasd.model.AttentionMask.causal(),
                        new int[] {context.length - 1}).close();
            }
            long t1 = System.nanoTime();
            int root = prompt[prompt.length - 1];
            while (out.size() < request.maxNewTokens()) {
                int next;
                try (Logits logits = target.forward(cache, new int[] {root})) {
                    next = request.sampling().isGreedy() ? logits.argmax()[0]
                            : TokenSampler.sample(logits.array().get(0), request.sampling(), rng);
                }
                forwards++;
                out.add(next);
                String shown = filter.accept(detok.push(next));
                listener.onTokens(new int[] {next}, shown);
                if (filter.stopped() || target.generationConfig().isEos(next)) {
                    finish = FinishReason.STOP;
                    break;
                }
                if (prompt.length + out.size() >= limit) {
                    break;   // the context window is full: LENGTH
                }
                root = next;
            }
            if (!filter.stopped()) {
                String rest = filter.accept(detok.flush()) + filter.finish();
                if (!rest.isEmpty()) {
                    listener.onTokens(new int[0], rest);
                }
                if (filter.stopped()) {
                    finish = FinishReason.STOP;
                }
            }
            long t2 = System.nanoTime();
            double secs = (t2 - t1) / 1e9;
            GenerationStats stats = new GenerationStats(prompt.length, out.size(), forwards,
                    forwards == 0 ? 0 : (double) out.size() / forwards, (t1 - t0) / 1e9, secs,
                    secs > 0 ? out.size() / secs : 0);
            return new GenerationResult(out.stream().mapToInt(Integer::intValue).toArray(), filter.text(), finish,
                    stats);
        }
    }

    @Override
    public void close() {
        if (ownsModels) {
            target.close();
            tokenizer.close();
        }
    }

    public static final class Builder {
        private CausalLm target;
        private Tokenizer tokenizer;
        private boolean ownsModels;

        public Builder target(CausalLm target) {
            this.target = target;
            return this;
        }

        public Builder tokenizer(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
            return this;
        }

        /** Close the models with the engine. */
        public Builder ownsModels(boolean owns) {
            this.ownsModels = owns;
            return this;
        }

        public RasdEngine build() {
            return new RasdEngine(this);
        }
    }
}
