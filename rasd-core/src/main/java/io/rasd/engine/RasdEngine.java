package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.datastore.Continuation;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.PromptLookup;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.text.IncrementalDetokenizer;
import io.rasd.text.Tokenizer;
import io.rasd.tree.Source;
import io.rasd.tree.TokenTree;
import io.rasd.verify.Acceptance;
import io.rasd.verify.TreeVerifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The decoding loop. State between steps: the target's KV cache holds the context except its last token, the root
 * of the next step. Each step proposes a token tree under the root, verifies it in one target forward (tree
 * attention, depth positions), keeps the accepted path in the cache and commits the accepted tokens plus the
 * target's bonus token. Plain decoding ({@link DecodingMode#AR}) is the same loop with a tree of only the root.
 *
 * <p>Thread-safety: {@link #generate} may be called from several threads; each call has its own KV cache and the
 * model's weights are read-only.
 */
public final class RasdEngine implements AutoCloseable {

    private final CausalLm target;
    private final Tokenizer tokenizer;
    private final boolean ownsModels;
    private final SpeculationConfig speculation;
    private final TokenDatastore datastore;

    private RasdEngine(Builder b) {
        this.speculation = b.speculation;
        this.datastore = b.datastore;
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
        DecodingMode mode = request.mode();
        SplittableRandom rng = new SplittableRandom(request.seed() != null ? request.seed()
                : new SplittableRandom().nextLong());
        IncrementalDetokenizer detok = new IncrementalDetokenizer(tokenizer, true);
        StopStringFilter filter = new StopStringFilter(request.stopStrings());
        PromptLookup pld = mode.usesPromptLookup() ? new PromptLookup(speculation.promptLookup()) : null;
        if (pld != null) {
            pld.append(prompt);
        }
        if (mode.usesDatastore() && datastore == null) {
            throw new RasdException("mode \"" + mode.cliName() + "\" needs a token datastore; build the engine with"
                    + " one (RasdEngine.builder().datastore(...))");
        }
        // the datastore is queried with the newest nMax tokens of the context
        int window = speculation.datastoreQuery().nMax();
        int[] recent = Arrays.copyOfRange(prompt, Math.max(0, prompt.length - window), prompt.length);
        List<Integer> out = new ArrayList<>();
        EnumMap<TokenOrigin, Integer> byOrigin = new EnumMap<>(TokenOrigin.class);
        FinishReason finish = FinishReason.LENGTH;
        int forwards = 0;
        long proposeNanos = 0;
        long verifyNanos = 0;

        try (KvCache cache = target.newCache()) {
            long t0 = System.nanoTime();
            if (prompt.length > 1) {
                int[] context = Arrays.copyOf(prompt, prompt.length - 1);
                int[] pos = new int[context.length];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = i;
                }
                target.forward(cache, context, pos, AttentionMask.causal(), new int[] {context.length - 1}).close();
            }
            long t1 = System.nanoTime();
            int root = prompt[prompt.length - 1];
            decoding:
            while (true) {
                long p0 = System.nanoTime();
                TokenTree tree = new TokenTree(root);
                if (pld != null) {
                    List<int[]> conts = pld.propose();
                    for (int i = 0; i < conts.size(); i++) {
                        // newer occurrences rank first; deeper tokens are less certain
                        int[] c = conts.get(i);
                        double[] scores = new double[c.length];
                        for (int d = 0; d < c.length; d++) {
                            scores[d] = 1.0 / (i + 1) / (d + 1);
                        }
                        tree.insert(c, scores, Source.PLD);
                    }
                }
                if (mode.usesDatastore()) {
                    List<Continuation> conts = datastore.query(recent, speculation.datastoreQuery());
                    int total = conts.stream().mapToInt(Continuation::count).sum();
                    for (Continuation c : conts) {
                        // the frequency of a continuation estimates its chance; deeper tokens are less certain
                        double[] scores = new double[c.tokens().length];
                        for (int d = 0; d < scores.length; d++) {
                            scores[d] = (double) c.count() / total / (d + 1);
                        }
                        tree.insert(c.tokens(), scores, Source.DATASTORE);
                    }
                }
                // never verify past the context window
                int room = limit - cache.length() - 1;
                tree = tree.prune(Math.max(0, Math.min(speculation.treeBudget(), room)));
                long p1 = System.nanoTime();
                proposeNanos += p1 - p0;

                Acceptance acc;
                int base = cache.length();
                try (Logits logits = target.forward(cache, tree.tokens(), tree.positions(base),
                        AttentionMask.tree(tree.parents()), null)) {
                    acc = TreeVerifier.verify(tree, logits, request.sampling(), rng);
                }
                forwards++;
                int[] accepted = acc.acceptedNodes();
                int[] keep = new int[accepted.length + 1];
                keep[0] = base;
                for (int i = 0; i < accepted.length; i++) {
                    keep[i + 1] = base + accepted[i];
                }
                cache.retain(base, keep);
                verifyNanos += System.nanoTime() - p1;

                int[] step = new int[accepted.length + 1];
                TokenOrigin[] origins = new TokenOrigin[step.length];
                for (int i = 0; i < accepted.length; i++) {
                    step[i] = tree.token(accepted[i]);
                    origins[i] = TokenOrigin.of(tree, accepted[i]);
                }
                step[accepted.length] = acc.bonusToken();
                origins[accepted.length] = TokenOrigin.TARGET;

                // commit token by token: a stop condition may end the step early
                for (int i = 0; i < step.length; i++) {
                    out.add(step[i]);
                    byOrigin.merge(origins[i], 1, Integer::sum);
                    String shown = filter.accept(detok.push(step[i]));
                    listener.onTokens(new int[] {step[i]}, new TokenOrigin[] {origins[i]}, shown);
                    if (filter.stopped() || target.generationConfig().isEos(step[i])) {
                        finish = FinishReason.STOP;
                        break decoding;
                    }
                    if (out.size() >= request.maxNewTokens() || prompt.length + out.size() >= limit) {
                        break decoding;   // LENGTH
                    }
                }
                if (pld != null) {
                    pld.append(step);
                }
                recent = slideWindow(recent, step, window);
                root = step[step.length - 1];
            }
            if (!filter.stopped()) {
                String rest = filter.accept(detok.flush()) + filter.finish();
                if (!rest.isEmpty()) {
                    listener.onTokens(new int[0], new TokenOrigin[0], rest);
                }
                if (filter.stopped()) {
                    finish = FinishReason.STOP;
                }
            }
            long t2 = System.nanoTime();
            double secs = (t2 - t1) / 1e9;
            GenerationStats stats = new GenerationStats(prompt.length, out.size(), forwards,
                    forwards == 0 ? 0 : (double) out.size() / forwards, (t1 - t0) / 1e9, secs,
                    secs > 0 ? out.size() / secs : 0, byOrigin, proposeNanos / 1e9, verifyNanos / 1e9);
            return new GenerationResult(out.stream().mapToInt(Integer::intValue).toArray(), filter.text(), finish,
                    stats);
        }
    }

    private static int[] slideWindow(int[] recent, int[] added, int window) {
        int len = Math.min(window, recent.length + added.length);
        int[] out = new int[len];
        int fromAdded = Math.min(added.length, len);
        int fromRecent = len - fromAdded;
        System.arraycopy(recent, recent.length - fromRecent, out, 0, fromRecent);
        System.arraycopy(added, added.length - fromAdded, out, fromRecent, fromAdded);
        return out;
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
        private SpeculationConfig speculation = SpeculationConfig.DEFAULT;
        private TokenDatastore datastore;

        /** The token datastore the {@code datastore} mode retrieves from. */
        public Builder datastore(TokenDatastore datastore) {
            this.datastore = datastore;
            return this;
        }

        public Builder speculation(SpeculationConfig speculation) {
            this.speculation = Objects.requireNonNull(speculation, "speculation");
            return this;
        }

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
