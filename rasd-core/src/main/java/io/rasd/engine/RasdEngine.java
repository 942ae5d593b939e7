package io.rasd.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import io.rasd.constrain.TokenConstraint;
import io.rasd.constrain.TokenVocabulary;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.DraftModel;
import io.rasd.draft.Drafter;
import io.rasd.model.CausalLm;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: runs generations of the RASD decoding loop (docs/architecture.md §3, one {@link Generation} per
 * call) over a target model, an optional drafter, prompt lookup and an optional token datastore. Every mode is the
 * same loop with some proposers switched off, and every mode's output equals plain decoding's.
 *
 * <p>Thread-safety and concurrency: {@link #generate} may be called from any number of threads; each call has its own
 * KV caches and the models' weights are read-only. At most {@link Builder#maxConcurrentGenerations} generations run
 * at once (default 1: on CPU one generation already uses every core), at most {@link Builder#maxQueuedGenerations}
 * more wait in arrival order (default 64), and a call beyond that fails at once with {@link RasdBusyException}
 * instead of queueing without bound. {@link Builder#queueTimeout} bounds the wait. A {@link Cancellation} ends a
 * generation within one decoding step, or takes a waiting call out of the queue. {@link #reserve()} takes a slot or
 * queue place ahead of the generation (an HTTP server refuses with 429 before its response starts) and hands it to
 * {@link #generate(GenerationRequest, GenerationListener, Cancellation, Reservation)}.
 */
public final class RasdEngine implements AutoCloseable {

    static final Logger LOG = LoggerFactory.getLogger(RasdEngine.class);

    private final CausalLm target;
    private final Tokenizer tokenizer;
    /** The draft model as given to the builder (closed with the engine when it owns the models), or null. */
    private final CausalLm draftModel;

    private final Drafter drafter;
    private final boolean ownsModels;
    private final SpeculationConfig speculation;
    private final TokenDatastore datastore;
    private volatile VerifyCostCurve costCurve;
    private final ExecutorService retrievalPool;
    private final AdmissionControl admission;
    private final Observers observers = new Observers();
    private final PrefixCache prefixCache;
    /** Adaptive control's verdicts on the proposers, carried from one generation of a mode to the next. */
    private final ProposerMemory proposerMemory = new ProposerMemory();
    /** Grammars seen recently, over the vocabulary: their mask caches outlive one request. */
    private static final int CONSTRAINTS = 64;

    private final Cache<Grammar, TokenConstraint> constraints = Caffeine.newBuilder()
            .weakKeys()
            .maximumSize(CONSTRAINTS)
            .executor(Runnable::run)
            .build();
    private volatile TokenVocabulary vocabulary;

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
        if (b.draft != null && b.drafter != null) {
            throw new RasdException("give the engine either a draft model or a drafter, not both");
        }
        this.draftModel = b.draft;
        this.drafter = b.draft != null
                ? new DraftModel(b.draft, tokenizer, target.config().vocabSize())
                : b.drafter;
        this.retrievalPool = TreeProposer.newRetrievalPool();
    }

    public static Builder builder() {
        return new Builder();
    }

    public CausalLm target() {
        return target;
    }

    /** The draft model, or null. */
    public CausalLm draft() {
        return draftModel;
    }

    /** The drafter the draft modes grow trees with, or null. */
    public Drafter drafter() {
        return drafter;
    }

    Observers observers() {
        return observers;
    }

    ExecutorService retrievalPool() {
        return retrievalPool;
    }

    ProposerMemory proposerMemory() {
        return proposerMemory;
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
    public GenerationResult generate(
            GenerationRequest request, GenerationListener listener, Cancellation cancellation) {
        return generateObserved(request, listener, cancellation, null);
    }

    /**
     * Takes a generation slot, or a place in the queue when every slot is busy, without waiting; throws
     * {@link RasdBusyException} at once when the queue is full too. Hand the place to
     * {@link #generate(GenerationRequest, GenerationListener, Cancellation, Reservation)}, or close it.
     */
    public Reservation reserve() {
        return new Reservation(admission, admission.reserve());
    }

    /**
     * As {@link #generate(GenerationRequest, GenerationListener, Cancellation)}, on the slot or queue place of
     * {@code reservation} (from {@link #reserve()}), which this call takes over at once and gives back when it
     * returns or throws; the caller's object is left empty. Throws {@link IllegalStateException} when
     * {@code reservation} holds no place or belongs to another engine.
     */
    public GenerationResult generate(
            GenerationRequest request,
            GenerationListener listener,
            Cancellation cancellation,
            Reservation reservation) {
        Objects.requireNonNull(reservation, "reservation");
        Reservation owned = reservation.transfer();
        try {
            if (!owned.belongsTo(admission)) {
                throw new IllegalStateException("The reservation belongs to another engine");
            }
            return generateObserved(request, listener, cancellation, owned);
        } finally {
            owned.close();
        }
    }

    private GenerationResult generateObserved(
            GenerationRequest request, GenerationListener listener, Cancellation cancellation, Reservation owned) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(cancellation, "cancellation");
        GenerationTiming timing = new GenerationTiming();
        if (observers.isEmpty()) {
            return generate(request, listener, cancellation, timing, owned);
        }
        GenerationResult result;
        try {
            result = generate(request, timing.timing(listener), cancellation, timing, owned);
        } catch (RuntimeException | Error e) {
            GenerationEvent failed = timing.event(modelName(), request, null, e);
            observers.notify(o -> o.onGeneration(failed));
            throw e;
        }
        GenerationEvent done = timing.event(modelName(), request, result, null);
        observers.notify(o -> o.onGeneration(done));
        return result;
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
        return observers.add(observer);
    }

    /** {@code owned}: the caller's place, which the caller gives back; null: take one here (and give it back). */
    private GenerationResult generate(
            GenerationRequest request,
            GenerationListener listener,
            Cancellation cancellation,
            GenerationTiming timing,
            Reservation owned) {
        request.checkFits(target);
        DecodingMode mode = request.mode();
        checkMode(mode);
        TokenConstraint constraint = request.constraint() == null ? null : constraint(request.constraint());
        SpeculationConfig spec = request.speculation() != null ? request.speculation() : speculation;
        VerifyCostCurve curve = spec.adaptive() && mode.speculates() ? costCurve() : null;
        try (Reservation own = owned == null ? reserve() : null) {
            Reservation place = owned == null ? own : owned;
            Deadline deadline = Deadline.after(place.reservedAtNanos(), request.timeout());
            if (!place.awaitSlot(cancellation, request.timeout())) {
                return GenerationResult.endedBeforeStart(FinishReason.CANCELLED, request.promptLength());
            }
            timing.admitted();
            // built before the Generation allocates its KV cache, so a failure here cannot strand native memory
            List<int[]> refs = mode.usesDatastore() ? request.references() : List.of();
            TokenDatastore references = refs.isEmpty() ? null : TokenDatastore.build(refs);
            try (Generation g = new Generation(
                    this, request, spec, listener, cancellation, deadline, curve, references, constraint)) {
                return g.run(); // past its timeout it throws, and the KV cache and the slot are freed on the way out
            }
        }
    }

    /**
     * {@code grammar} over this engine's vocabulary, with its cache of allowed-token masks: one per grammar object
     * (reuse a compiled {@link Grammar} to keep its masks warm), held weakly and at most {@value #CONSTRAINTS}.
     *
     * @throws RasdException when the tokenizer's token bytes cannot be read (see {@link Tokenizer#tokenBytes()})
     */
    public TokenConstraint constraint(Grammar grammar) {
        return constraints.get(grammar, g -> new TokenConstraint(g, vocabulary()));
    }

    /** The vocabulary as byte strings in a trie, built on the first constrained request. */
    private TokenVocabulary vocabulary() {
        TokenVocabulary v = vocabulary;
        if (v == null) {
            synchronized (constraints) {
                v = vocabulary;
                if (v == null) {
                    v = new TokenVocabulary(
                            tokenizer.tokenBytes(), target.generationConfig().eosTokenIds());
                    vocabulary = v;
                }
            }
        }
        return v;
    }

    /**
     * The fullest mode this engine can run: rasd with every source it has, prompt lookup without a drafter. Adapters
     * use it as their default mode.
     */
    public DecodingMode defaultMode() {
        return DecodingMode.fullest(drafter != null, datastore != null);
    }

    /**
     * Throws a {@link RasdException} naming what is missing when {@code mode} needs a drafter or a datastore this
     * engine lacks, and the mode that would work. Every adapter checks modes with this.
     */
    public void checkMode(DecodingMode mode) {
        if (mode.usesDraft() && drafter == null) {
            throw new RasdException("mode \"" + mode.cliName() + "\" needs a draft model, and this engine has none;"
                    + " use mode " + defaultMode().cliName() + " or build the engine with one"
                    + " (RasdEngine.builder().draft(...))");
        }
        if (mode.usesDatastore() && datastore == null) {
            throw new RasdException("mode \"" + mode.cliName() + "\" needs a token datastore, and this engine has"
                    + " none; use mode " + defaultMode().cliName() + " or build the engine with one"
                    + " (RasdEngine.builder().datastore(...))");
        }
    }

    @Override
    public void close() {
        retrievalPool.shutdownNow();
        if (ownsModels) {
            target.close();
            if (draftModel != null && draftModel != target) {
                draftModel.close();
            }
            if (drafter != null) {
                drafter.close();
            }
            tokenizer.close();
        }
    }

    public static final class Builder {
        private CausalLm target;
        private CausalLm draft;
        private Drafter drafter;
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

        /**
         * Any other {@link Drafter} for the draft and rasd modes (instead of {@link #draft(CausalLm)}); it must
         * propose ids of the target's vocabulary.
         */
        public Builder drafter(Drafter drafter) {
            this.drafter = drafter;
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
