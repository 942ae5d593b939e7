package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.datastore.Continuation;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.DraftModel;
import io.rasd.draft.DraftSession;
import io.rasd.draft.DraftTree;
import io.rasd.draft.PromptLookup;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.text.IncrementalDetokenizer;
import io.rasd.text.Tokenizer;
import io.rasd.tree.RetrievalTree;
import io.rasd.tree.RootDistribution;
import io.rasd.tree.Source;
import io.rasd.tree.TokenTree;
import io.rasd.tree.TreeFusion;
import io.rasd.verify.Acceptance;
import io.rasd.verify.TreeVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoding loop (design.md §3). State between steps: the target's KV cache holds the context except its last
 * token, the root of the next step. Each step: the draft model grows a tree under the root while a worker thread
 * retrieves continuations (prompt lookup, datastore); the retrieval trees are pruned by the draft's root distribution
 * and fused into the draft tree; the target verifies the fused tree in one forward (tree attention, depth positions);
 * the accepted path stays in both KV caches and the accepted tokens plus the target's bonus token are committed.
 * Every mode is this loop with some sources switched off; plain decoding ({@link DecodingMode#AR}) verifies a tree of
 * only the root.
 *
 * <p>Thread-safety and concurrency: {@link #generate} may be called from any number of threads; each call has its own
 * KV caches and the models' weights are read-only. At most {@link Builder#maxConcurrentGenerations} generations run
 * at once (default 1: on CPU one generation already uses every core), at most {@link Builder#maxQueuedGenerations}
 * more wait in arrival order (default 64), and a call beyond that fails at once with {@link RasdBusyException}
 * instead of queueing without bound. {@link Builder#queueTimeout} bounds the wait. A {@link Cancellation} ends a
 * generation within one decoding step, or takes a waiting call out of the queue.
 */
public final class RasdEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RasdEngine.class);

    private final CausalLm target;
    private final Tokenizer tokenizer;
    private final DraftModel draft;
    private final boolean ownsModels;
    private final SpeculationConfig speculation;
    private final TokenDatastore datastore;
    private volatile VerifyCostCurve costCurve;
    private final ExecutorService retrievalPool;
    private final AdmissionControl admission;
    private final List<GenerationObserver> observers = new CopyOnWriteArrayList<>();
    private final PrefixCache prefixCache;

    private RasdEngine(Builder b) {
        this.admission = new AdmissionControl(b.maxConcurrent, b.maxQueued, b.queueTimeout);
        this.speculation = b.speculation;
        this.datastore = b.datastore;
        this.target = Objects.requireNonNull(b.target, "target model");
        this.tokenizer = Objects.requireNonNull(b.tokenizer, "tokenizer");
        this.ownsModels = b.ownsModels;
        this.costCurve = b.costCurve;
        this.prefixCache = b.prefixCache;
        int tokVocab = tokenizer.vocabSize();
        if (tokVocab > target.config().vocabSize()) {
            throw new RasdException("Tokenizer " + tokenizer.directory() + " has " + tokVocab
                    + " tokens but the model " + target.directory() + " has vocab_size "
                    + target.config().vocabSize() + "; they do not belong together");
        }
        this.draft = b.draft == null ? null : new DraftModel(b.draft, tokenizer, target.config().vocabSize());
        AtomicInteger n = new AtomicInteger();
        this.retrievalPool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rasd-retrieval-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    public CausalLm target() {
        return target;
    }

    /** The draft model, or null. */
    public CausalLm draft() {
        return draft == null ? null : draft.model();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public TokenDatastore datastore() {
        return datastore;
    }

    public SpeculationConfig speculation() {
        return speculation;
    }

    /** The prefix KV cache generations share, or null. */
    public PrefixCache prefixCache() {
        return prefixCache;
    }

    /** The target's measured verify cost curve (measured or read from the cache on first use). */
    public VerifyCostCurve costCurve() {
        VerifyCostCurve c = costCurve;
        if (c == null) {
            synchronized (this) {
                if (costCurve == null) {
                    costCurve = CostCurveCache.loadOrMeasure(target);
                }
                c = costCurve;
            }
        }
        return c;
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(request, GenerationListener.NONE);
    }

    public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
        return generate(request, listener, new Cancellation());
    }

    /** Generations running now. */
    public int runningGenerations() {
        return admission.running();
    }

    /** Generations waiting for a slot now. */
    public int queuedGenerations() {
        return admission.queued();
    }

    public int maxConcurrentGenerations() {
        return admission.maxConcurrent();
    }

    public int maxQueuedGenerations() {
        return admission.maxQueued();
    }

    /**
     * Generates, streaming committed tokens to {@code listener}, until a stop condition, the token budget, or
     * {@code cancellation}. Blocks while every generation slot is busy; throws {@link RasdBusyException} when the
     * queue is full too.
     */
    public GenerationResult generate(GenerationRequest request, GenerationListener listener,
                                     Cancellation cancellation) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(cancellation, "cancellation");
        if (observers.isEmpty()) {
            return generate(request, listener, cancellation, new Timing(System.nanoTime()));
        }
        Timing timing = new Timing(System.nanoTime());
        GenerationListener timed = (tokens, origins, text) -> {
            if (tokens.length > 0 && timing.firstToken == 0) {
                timing.firstToken = System.nanoTime();
            }
            listener.onTokens(tokens, origins, text);
        };
        GenerationResult result;
        try {
            result = generate(request, timed, cancellation, timing);
        } catch (RuntimeException | Error e) {
            notifyObservers(request, null, e, timing);
            throw e;
        }
        notifyObservers(request, result, null, timing);
        return result;
    }

    /** When a call started, got its slot and committed its first token (nanoTime; 0 = not yet). */
    private static final class Timing {
        final long start;
        long admitted;
        volatile long firstToken;

        Timing(long start) {
            this.start = start;
        }
    }

    private void notifyObservers(GenerationRequest request, GenerationResult result, Throwable failure,
                                 Timing timing) {
        long end = System.nanoTime();
        double queue = timing.admitted == 0 ? (end - timing.start) / 1e9 : (timing.admitted - timing.start) / 1e9;
        double first = timing.firstToken == 0 ? Double.NaN : (timing.firstToken - timing.start) / 1e9;
        GenerationEvent event = new GenerationEvent(modelName(), request, result, failure, queue, first,
                (end - timing.start) / 1e9);
        for (GenerationObserver o : observers) {
            try {
                o.onGeneration(event);
            } catch (RuntimeException e) {
                LOG.warn("Generation observer {} failed: {}", o, e.toString());
            }
        }
    }

    /** The target model's name as observers and integrations report it: its directory name. */
    public String modelName() {
        Path name = target.directory().getFileName();
        return name == null ? target.directory().toString() : name.toString();
    }

    /**
     * Tells {@code observer} about every generation from now on (any caller, any thread). Returns a handle that
     * removes it again.
     */
    public AutoCloseable addObserver(GenerationObserver observer) {
        Objects.requireNonNull(observer, "observer");
        observers.add(observer);
        return () -> observers.remove(observer);
    }

    private GenerationResult generate(GenerationRequest request, GenerationListener listener,
                                      Cancellation cancellation, Timing timing) {
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
        if (mode.usesDatastore() && datastore == null) {
            throw new RasdException("mode \"" + mode.cliName() + "\" needs a token datastore; build the engine with"
                    + " one (RasdEngine.builder().datastore(...))");
        }
        if (mode.usesDraft() && draft == null) {
            throw new RasdException("mode \"" + mode.cliName() + "\" needs a draft model; build the engine with one"
                    + " (RasdEngine.builder().draft(...))");
        }
        SpeculationConfig spec = request.speculation() != null ? request.speculation() : speculation;
        VerifyCostCurve curve = spec.adaptive() && mode.speculates() ? costCurve() : null;
        if (!admission.enter(cancellation)) {
            return cancelledBeforeStart(prompt.length);
        }
        timing.admitted = System.nanoTime();
        try {
            // built before the Generation allocates its KV cache, so a failure here cannot strand native memory
            List<int[]> refs = mode.usesDatastore() ? request.references() : List.of();
            TokenDatastore references = refs.isEmpty() ? null : TokenDatastore.build(refs);
            try (Generation g = new Generation(request, spec, listener, cancellation, curve, references)) {
                return g.run();
            }
        } finally {
            admission.exit();
        }
    }

    private static GenerationResult cancelledBeforeStart(int promptTokens) {
        GenerationStats stats = new GenerationStats(promptTokens, 0, 0, 0, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0,
                0, 0, 0, 0);
        return new GenerationResult(new int[0], "", FinishReason.CANCELLED, stats);
    }

    /** One generation's state: caches, proposers, counters. */
    private final class Generation implements AutoCloseable {
        private final GenerationRequest request;
        private final SpeculationConfig speculation;
        private final GenerationListener listener;
        private final Cancellation cancellation;
        private final DecodingMode mode;
        private final int[] prompt;
        private final int limit = target.contextLimit();
        private final SplittableRandom rng;
        private final IncrementalDetokenizer detok = new IncrementalDetokenizer(tokenizer, true);
        private final StopStringFilter filter;
        private final PromptLookup pld;
        private final DraftSession draftSession;
        private final AdaptiveController control;
        private final KvCache cache = target.newCache();
        /** This request's references, searchable like the datastore; null without any. */
        private final TokenDatastore references;
        private final int window;
        /** The newest nMax context tokens: the datastore's query. */
        private int[] recent;
        private final List<Integer> out = new ArrayList<>();
        private final EnumMap<TokenOrigin, Integer> byOrigin = new EnumMap<>(TokenOrigin.class);
        private int forwards;
        private int draftForwards;
        private long treeNodes;
        private long draftNanos;
        private long retrievalNanos;
        private long verifyNanos;
        /** Whether this step used the draft model, and what it cost. */
        private boolean drafted;
        private long stepDraftNanos;
        /** Prompt rows restored from the prefix cache instead of prefilled. */
        private int cachedPromptTokens;
        /** The decoding loop ended normally: every cache row holds committed context (see {@link #close}). */
        private boolean finished;

        Generation(GenerationRequest request, SpeculationConfig speculation, GenerationListener listener,
                   Cancellation cancellation, VerifyCostCurve curve, TokenDatastore references) {
            this.request = request;
            this.references = references;
            this.speculation = speculation;
            this.window = speculation.datastoreQuery().nMax();
            this.listener = listener;
            this.cancellation = cancellation;
            this.mode = request.mode();
            this.prompt = request.promptTokens();
            this.rng = new SplittableRandom(request.seed() != null ? request.seed()
                    : new SplittableRandom().nextLong());
            this.filter = new StopStringFilter(request.stopStrings());
            this.pld = mode.usesPromptLookup() ? new PromptLookup(speculation.promptLookup()) : null;
            if (pld != null) {
                pld.append(prompt);
            }
            this.draftSession = mode.usesDraft() ? draft.newSession() : null;
            if (draftSession != null) {
                draftSession.start(prompt);
            }
            this.control = new AdaptiveController(speculation, curve);
            this.recent = Arrays.copyOfRange(prompt, Math.max(0, prompt.length - window), prompt.length);
        }

        GenerationResult run() {
            FinishReason finish = FinishReason.LENGTH;
            long t0 = System.nanoTime();
            // the prefill: the cache takes the prompt but its last token (the first step's root); rows the prefix
            // cache holds are restored, only the rest is run
            cachedPromptTokens = restorePrefix();
            if (prompt.length - 1 > cachedPromptTokens) {
                int[] context = Arrays.copyOfRange(prompt, cachedPromptTokens, prompt.length - 1);
                int[] pos = new int[context.length];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = cachedPromptTokens + i;
                }
                target.forward(cache, context, pos, AttentionMask.causal(), new int[] {context.length - 1}).close();
                storePrefix(prompt, target.identity(), cache.length(), cache::snapshot);
            }
            long t1 = System.nanoTime();
            int root = prompt[prompt.length - 1];
            decoding:
            while (true) {
                if (cancellation.isCancelled()) {
                    finish = FinishReason.CANCELLED;
                    break;
                }
                long s0 = System.nanoTime();
                boolean speculate = mode.speculates() && control.speculateThisStep();
                drafted = false;
                TokenTree tree = speculate ? propose(root, s0) : new TokenTree(root);

                long v0 = System.nanoTime();
                Acceptance acc;
                int base = cache.length();
                try (Logits logits = target.forward(cache, tree.tokens(), tree.positions(base),
                        AttentionMask.tree(tree.parents()), null)) {
                    control.observeVerify(tree.size(), (System.nanoTime() - v0) / 1e9);
                    acc = TreeVerifier.verify(tree, logits, request.sampling(), rng);
                }
                forwards++;
                treeNodes += tree.size() - 1;
                int[] accepted = acc.acceptedNodes();
                int[] keep = new int[accepted.length + 1];
                keep[0] = base;
                for (int i = 0; i < accepted.length; i++) {
                    keep[i + 1] = base + accepted[i];
                }
                cache.retain(base, keep);
                long v1 = System.nanoTime();
                verifyNanos += v1 - v0;

                int[] step = new int[accepted.length + 1];
                TokenOrigin[] origins = new TokenOrigin[step.length];
                for (int i = 0; i < accepted.length; i++) {
                    step[i] = tree.token(accepted[i]);
                    origins[i] = TokenOrigin.of(tree, accepted[i]);
                }
                step[accepted.length] = acc.bonusToken();
                origins[accepted.length] = TokenOrigin.TARGET;
                if (!speculate && mode.speculates()) {
                    control.observePlainStep((v1 - s0) / 1e9);
                }
                if (speculate) {
                    boolean besideRetrieval = drafted && (pld != null || mode.usesDatastore());
                    control.observeStep(tree, accepted, step.length, (v1 - s0) / 1e9, besideRetrieval);
                    if (besideRetrieval) {
                        int draftOnly = 0;
                        for (int node : accepted) {
                            draftOnly += TokenOrigin.of(tree, node) == TokenOrigin.DRAFT ? 1 : 0;
                        }
                        control.observeDraft(draftOnly, stepDraftNanos / 1e9);
                    }
                }
                if (draftSession != null) {
                    draftSession.commit(step);
                }
                for (GenerationObserver o : observers) {
                    try {
                        o.onStep(mode, step.length, speculate);
                    } catch (RuntimeException e) {
                        LOG.warn("Generation observer {} failed: {}", o, e.toString());
                    }
                }

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
                    if (cancellation.isCancelled()) {   // e.g. by the listener we just called
                        finish = FinishReason.CANCELLED;
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
            finished = true;
            if (!filter.stopped() && finish != FinishReason.CANCELLED) {
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
                    secs > 0 ? out.size() / secs : 0, byOrigin, draftNanos / 1e9, retrievalNanos / 1e9,
                    verifyNanos / 1e9, draftForwards, forwards == 0 ? 0 : (double) treeNodes / forwards,
                    control.fallbacks(), control.plainSteps(), control.draftSkips(), cachedPromptTokens);
            return new GenerationResult(out.stream().mapToInt(Integer::intValue).toArray(), filter.text(), finish,
                    stats);
        }

        /** Steps 1-4 of design.md §3: draft tree, retrieval (in parallel), pruning, fusion. */
        private TokenTree propose(int root, long stepStart) {
            boolean retrieves = pld != null || mode.usesDatastore();
            Future<RetrievalTree[]> background = null;
            RetrievalTree[] retrieved = null;
            drafted = draftSession != null && control.draftThisStep(retrieves);
            stepDraftNanos = 0;
            if (retrieves && drafted) {
                int[] query = recent;
                background = retrievalPool.submit(() -> retrieve(root, query));
            } else if (retrieves) {
                long r0 = System.nanoTime();
                retrieved = retrieve(root, recent);
                retrievalNanos += System.nanoTime() - r0;
            }
            TokenTree tree = new TokenTree(root);
            RootDistribution rootDist = null;
            if (drafted) {
                long d0 = System.nanoTime();
                DraftTree dt = draftSession.grow(control.maxDraftDepth(), speculation.draftTopK(),
                        speculation.draftBudget(), speculation.pruneTopK(), control.depthPolicy());
                long d1 = System.nanoTime();
                draftNanos += d1 - d0;
                stepDraftNanos = d1 - d0;
                draftForwards += dt.forwards();
                if (dt.forwards() > 0) {
                    control.observeDraftForward((d1 - d0) / 1e9 / dt.forwards());
                }
                tree = dt.tree();
                rootDist = dt.root();
            }
            if (background != null) {
                long w0 = System.nanoTime();
                try {
                    retrieved = background.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RasdException("interrupted while waiting for retrieval", e);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re
                            : new RasdException("retrieval failed: " + e.getCause(), e.getCause());
                }
                retrievalNanos += System.nanoTime() - w0;   // only the part drafting did not hide
            }
            if (retrieved != null) {
                long p0 = System.nanoTime();
                TokenTree[] pruned = new TokenTree[retrieved.length];
                for (int i = 0; i < retrieved.length; i++) {
                    pruned[i] = retrieved[i] == null || retrieved[i].isEmpty() ? null
                            : retrieved[i].prune(rootDist, speculation.pruneTopK(), speculation.pruneMinProb(),
                                    speculation.retrievalBudget());
                }
                tree = TreeFusion.fuse(tree, Integer.MAX_VALUE, pruned);
                retrievalNanos += System.nanoTime() - p0;
            }
            // never verify past the context window
            int room = Math.max(0, limit - cache.length() - 1);
            int budget = control.treeBudget(tree, (System.nanoTime() - stepStart) / 1e9);
            return tree.prune(Math.min(budget, room)).bestPathFirst();
        }

        /** Step 2: one retrieval tree per source (they are pruned apart: their counts are not comparable). */
        private RetrievalTree[] retrieve(int root, int[] query) {
            RetrievalTree[] trees = new RetrievalTree[2];
            if (pld != null) {
                trees[0] = new RetrievalTree(root);
                for (int[] c : pld.propose()) {
                    trees[0].add(c, 1, Source.PLD);
                }
            }
            if (mode.usesDatastore()) {
                trees[1] = new RetrievalTree(root);
                for (Continuation c : datastore.query(query, speculation.datastoreQuery())) {
                    addProposable(trees[1], c.tokens(), c.count());
                }
                if (references != null) {
                    for (Continuation c : references.query(query, speculation.datastoreQuery())) {
                        addProposable(trees[1], c.tokens(), c.count() * GenerationRequest.REFERENCE_BOOST);
                    }
                }
            }
            return trees;
        }

        /**
         * Adds a datastore or reference continuation up to its first id the target does not have: documents are token
         * ids from outside (a datastore built with a larger vocabulary, a caller's references), and a proposal must
         * never make the verifying forward pass fail.
         */
        private void addProposable(RetrievalTree tree, int[] tokens, int count) {
            int vocab = target.config().vocabSize();
            int n = 0;
            while (n < tokens.length && tokens[n] >= 0 && tokens[n] < vocab) {
                n++;
            }
            if (n > 0) {
                tree.add(n == tokens.length ? tokens : Arrays.copyOf(tokens, n), count, Source.DATASTORE);
            }
        }

        /**
         * Restores the longest cached prefix of the prompt into the target's cache (and the draft's, when the cache
         * holds the draft model's rows too); returns the target rows restored. At most all but the prompt's last token:
         * that one is the first step's root and must be run.
         */
        private int restorePrefix() {
            if (prefixCache == null || prompt.length < 2) {
                return 0;
            }
            PrefixCache.Match hit = prefixCache.lookup(target.identity(), prompt, prompt.length - 1);
            cache.restore(hit.blocks(), hit.rows());
            if (draftSession != null) {
                PrefixCache.Match d = prefixCache.lookupQuietly(draft.model().identity(), prompt, prompt.length - 1);
                draftSession.restore(d.blocks(), d.rows());
            }
            return hit.rows();
        }

        /** Caches rows {@code [0, rows)} of {@code tokens}; a failure costs a later prefill, never this result. */
        private void storePrefix(int[] tokens, String model, int rows, PrefixCache.RowSource source) {
            if (prefixCache == null) {
                return;
            }
            try {
                prefixCache.store(model, tokens, rows, source);
            } catch (RuntimeException e) {
                LOG.warn("could not store {} rows in the prefix cache: {}", rows, e.toString());
            }
        }

        @Override
        public void close() {
            try {
                if (prefixCache != null && finished) {
                    storeContext();
                }
            } finally {
                cache.close();
                if (references != null) {
                    references.close();
                }
                if (draftSession != null) {
                    draftSession.close();
                }
            }
        }

        /**
         * Caches the rows of the whole committed context (prompt + output), so the next chat turn (this prompt, this
         * answer, a new message) hits. The target's cache holds every committed token but the last step's bonus token,
         * and may hold rows of a step's tokens past a stop; the draft's holds a prefix of the same sequence. Rows past
         * the committed context are never stored.
         */
        private void storeContext() {
            int[] context = Arrays.copyOf(prompt, prompt.length + out.size());
            for (int i = 0; i < out.size(); i++) {
                context[prompt.length + i] = out.get(i);
            }
            storePrefix(context, target.identity(), Math.min(cache.length(), context.length), cache::snapshot);
            if (draftSession != null) {
                storePrefix(context, draft.model().identity(), Math.min(draftSession.committedRows(), context.length),
                        draftSession::snapshot);
            }
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
        retrievalPool.shutdownNow();
        if (ownsModels) {
            target.close();
            if (draft != null && draft.model() != target) {
                draft.model().close();
            }
            tokenizer.close();
        }
    }

    public static final class Builder {
        private CausalLm target;
        private CausalLm draft;
        private Tokenizer tokenizer;
        private boolean ownsModels;
        private SpeculationConfig speculation = SpeculationConfig.DEFAULT;
        private TokenDatastore datastore;
        private VerifyCostCurve costCurve;
        private int maxConcurrent = 1;
        private int maxQueued = 64;
        private Duration queueTimeout;
        private PrefixCache prefixCache;

        /** Generations that run at once (default 1); more wait in the queue. */
        public Builder maxConcurrentGenerations(int max) {
            this.maxConcurrent = max;
            return this;
        }

        /** Generations that may wait for a slot (default 64); one more is refused with {@link RasdBusyException}. */
        public Builder maxQueuedGenerations(int max) {
            this.maxQueued = max;
            return this;
        }

        /** How long a generation may wait for a slot before it is refused; {@code null} (default): no limit. */
        public Builder queueTimeout(Duration timeout) {
            this.queueTimeout = timeout;
            return this;
        }

        /**
         * A prefix KV cache (it may be shared with other engines): prompts that start like an earlier generation's
         * context restore its rows instead of prefilling them. {@code null} (default): none.
         */
        public Builder prefixCache(PrefixCache cache) {
            this.prefixCache = cache;
            return this;
        }

        /** The token datastore the datastore modes retrieve from. */
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

        /**
         * The draft model of the draft and rasd modes: a small model sharing the target's tokenizer (checked). The
         * target itself works too (self-drafting: every draft token is accepted under greedy decoding).
         */
        public Builder draft(CausalLm draft) {
            this.draft = draft;
            return this;
        }

        public Builder tokenizer(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
            return this;
        }

        /** Use this cost curve instead of measuring one (tests, or a curve measured elsewhere). */
        public Builder costCurve(VerifyCostCurve curve) {
            this.costCurve = curve;
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
