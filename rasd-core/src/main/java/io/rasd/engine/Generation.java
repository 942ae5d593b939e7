package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.constrain.TokenConstraint;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.Drafter;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.Positions;
import io.rasd.retrieval.DatastoreSource;
import io.rasd.retrieval.PromptLookupSource;
import io.rasd.retrieval.RetrievalSource;
import io.rasd.runtime.TorchThreads;
import io.rasd.text.IncrementalDetokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import io.rasd.verify.Acceptance;
import io.rasd.verify.TreeVerifier;
import io.rasd.verify.Uniforms;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * One generation: its KV cache, proposers and counters, and the decoding loop (docs/architecture.md §3).
 *
 * <p>State between steps: the target's KV cache holds the context except its last token, the root of the next step.
 * Each {@link #step()} proposes a tree under the root (draft, retrieve, prune, fuse: {@link TreeProposer}), verifies
 * it in one target forward with tree attention, keeps the accepted path's rows in the cache and commits the accepted
 * tokens plus the target's bonus token. Plain decoding ({@link DecodingMode#AR}) and fallback steps verify a tree of
 * only the root. Used by one thread; closed by whoever opened it.
 */
final class Generation implements AutoCloseable {

    private final RasdEngine engine;
    private final CausalLm target;
    private final GenerationRequest request;
    private final DecodingMode mode;
    private final int[] prompt;
    private final int limit;
    private final GenerationListener listener;
    private final Cancellation cancellation;
    private final Deadline deadline;
    private final Uniforms uniforms;
    private final IncrementalDetokenizer detokenizer;
    private final StopStringFilter filter;
    private final AdaptiveController control;
    private final KvCache cache;
    /** The drafter's state for this generation; null in modes without a drafter. */
    private final Drafter.Session drafter;
    /**
     * The target layers whose inputs the drafter reads as features (an EAGLE-3 head), or null: the target's forwards
     * then hand over the final-normed last hidden state.
     */
    private final int[] featureLayers;

    private final List<RetrievalSource> sources = new ArrayList<>();
    /** Constrained decoding's state; null for an unconstrained request. */
    private final OutputConstraint constraint;

    /** Null when the mode does not speculate. */
    private final TreeProposer proposer;

    private final TreeProposer.Costs costs = new TreeProposer.Costs();
    private final List<Integer> out = new ArrayList<>();
    private final EnumMap<TokenOrigin, Integer> byOrigin = new EnumMap<>(TokenOrigin.class);
    private int forwards;
    private long treeNodes;
    private long verifyNanos;
    /** Prompt rows restored from the prefix cache instead of prefilled. */
    private int cachedPromptTokens;
    /** The last committed token: the root of the next step. */
    private int root;
    /** The decoding loop ended normally: every cache row holds committed context (see {@link #close}). */
    private boolean finished;

    /**
     * @param references this request's references as a datastore, or null; owned from now on (closed with the
     *     generation); only the datastore modes have any
     */
    Generation(
            RasdEngine engine,
            GenerationRequest request,
            SpeculationConfig speculation,
            GenerationListener listener,
            Cancellation cancellation,
            Deadline deadline,
            VerifyCostCurve curve,
            TokenDatastore references,
            TokenConstraint constraint) {
        this.engine = engine;
        this.target = engine.target();
        this.request = request;
        this.mode = request.mode();
        this.prompt = request.promptTokens();
        this.limit = target.contextLimit();
        this.listener = listener;
        this.cancellation = cancellation;
        this.deadline = deadline;
        this.uniforms = new Uniforms(
                new SplittableRandom(request.seed() != null ? request.seed() : new SplittableRandom().nextLong()));
        this.detokenizer = new IncrementalDetokenizer(engine.tokenizer(), true);
        this.filter = new StopStringFilter(request.stopStrings());
        this.control = new AdaptiveController(speculation, curve, engine.proposerMemory(), mode);
        this.constraint = constraint == null ? null : new OutputConstraint(constraint, target.generationConfig());
        this.cache = target.newCache();
        Drafter.Session session = null;
        try {
            session = mode.usesDraft() ? engine.drafter().open(prompt) : null;
            openSources(speculation, references);
        } catch (RuntimeException | Error e) {
            closeAll(session, references);
            throw e;
        }
        this.drafter = session;
        this.featureLayers =
                session instanceof Drafter.ReadsTargetFeatures reader ? reader.targetFeatureLayers() : null;
        this.proposer = mode.speculates()
                ? new TreeProposer(
                        drafter, sources, engine.retrievalPool(), speculation, control, costs, this.constraint)
                : null;
        this.root = prompt[prompt.length - 1];
    }

    /** The retrieval sources the mode asks for, in fusion order. */
    private void openSources(SpeculationConfig speculation, TokenDatastore references) {
        if (mode.usesPromptLookup()) {
            sources.add(new PromptLookupSource(speculation.promptLookup(), prompt));
        }
        if (mode.usesDatastore()) {
            sources.add(new DatastoreSource(
                    engine.datastore(),
                    references,
                    speculation.datastoreQuery(),
                    prompt,
                    target.config().vocabSize()));
        }
    }

    /**
     * Prefill, then steps until a stop condition. Throws {@link RasdTimeoutException}, carrying the result so far, when
     * the deadline passes between steps.
     */
    GenerationResult run() {
        long t0 = System.nanoTime();
        prefill();
        long t1 = System.nanoTime();
        FinishReason finish = null;
        while (finish == null) {
            finish = step();
        }
        finished = true;
        control.remember();
        finish = flush(finish);
        GenerationResult result = new GenerationResult(
                out.stream().mapToInt(Integer::intValue).toArray(),
                filter.text(),
                finish,
                stats(t0, t1, System.nanoTime()));
        if (finish == FinishReason.TIMEOUT) {
            throw RasdTimeoutException.midGeneration(deadline, result);
        }
        return result;
    }

    /**
     * The prefill: the cache takes the prompt but its last token (the first step's root); rows the prefix cache holds
     * are restored, only the rest is run.
     */
    private void prefill() {
        cachedPromptTokens = restorePrefix();
        // the draft model reads the prompt beside the target when a core is free (an EAGLE head cannot: it reads
        // the target's features of the prompt, which this prefill makes)
        Future<?> draftReads =
                drafter != null && !(drafter instanceof Drafter.ReadsTargetFeatures) && TorchThreads.spareCore()
                        ? engine.retrievalPool().submit(drafter::readPrompt)
                        : null;
        try {
            prefillTarget();
        } catch (RuntimeException | Error e) {
            if (draftReads != null) { // the session must be idle before it closes
                try {
                    awaitDraft(draftReads);
                } catch (RuntimeException | Error d) {
                    e.addSuppressed(d);
                }
            }
            throw e;
        }
        if (draftReads != null) {
            awaitDraft(draftReads);
        }
    }

    private static void awaitDraft(Future<?> reads) {
        try {
            reads.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reads.cancel(false);
            throw new RasdException("interrupted while the draft model read the prompt", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new RasdException("the draft model failed reading the prompt: " + e.getCause(), e.getCause());
        }
    }

    private void prefillTarget() {
        if (prompt.length - 1 > cachedPromptTokens) {
            int[] context = Arrays.copyOfRange(prompt, cachedPromptTokens, prompt.length - 1);
            try (Logits logits = target.forward(
                    cache,
                    context,
                    Positions.consecutive(cachedPromptTokens, context.length),
                    AttentionMask.causal(),
                    new int[] {context.length - 1},
                    featureLayers)) {
                if (drafter instanceof Drafter.ReadsTargetFeatures reader) {
                    reader.targetFeatures(logits, Positions.consecutive(0, context.length), cachedPromptTokens);
                }
            }
            storePrefix(prompt, target.identity(), cache.length(), cache::snapshot);
        }
    }

    /**
     * One decoding step: propose (steps 1-4), verify in one target forward (step 5), commit (step 6). Returns why the
     * generation ends, or null to go on.
     */
    private FinishReason step() {
        if (cancellation.isCancelled()) {
            return FinishReason.CANCELLED;
        }
        if (deadline.passed()) { // between steps: the cache holds exactly the committed context
            return FinishReason.TIMEOUT;
        }
        long s0 = System.nanoTime();
        StepProposal proposal = proposer != null && control.speculateThisStep()
                ? proposer.propose(root, Math.max(0, limit - cache.length() - 1), s0)
                : StepProposal.plain(root);
        TokenTree tree = proposal.tree();
        Acceptance acceptance = verify(tree);
        int[] accepted = acceptance.acceptedNodes();
        // no bonus token: the grammar allows nothing after the accepted path (a complete document, no EOS id)
        boolean bonus = acceptance.bonusToken() >= 0;
        if (!bonus && accepted.length == 0) {
            throw new RasdException("Constrained decoding (" + request.constraint() + ") cannot go on: no token of the"
                    + " vocabulary continues the output here, and it is not a complete document");
        }
        int[] step = new int[accepted.length + (bonus ? 1 : 0)];
        TokenOrigin[] origins = new TokenOrigin[step.length];
        for (int i = 0; i < accepted.length; i++) {
            step[i] = tree.token(accepted[i]);
            origins[i] = TokenOrigin.creditOf(tree, accepted[i]);
        }
        if (bonus) {
            step[accepted.length] = acceptance.bonusToken();
            origins[accepted.length] = TokenOrigin.TARGET;
        }
        observe(proposal, accepted, step.length, (System.nanoTime() - s0) / 1e9);
        if (proposer != null) {
            proposer.commit(step);
        }
        engine.observers().notify(o -> o.onStep(mode, step.length, proposal.speculative()));
        root = step[step.length - 1];
        return commit(step, origins);
    }

    /**
     * Step 5: the target scores every tree node in one forward (tree attention, depth positions); the verifier walks
     * the accepted path; only its rows stay in the cache.
     */
    private Acceptance verify(TokenTree tree) {
        long v0 = System.nanoTime();
        int base = cache.length();
        Acceptance acceptance;
        try (Logits logits = target.forward(
                cache, tree.tokens(), tree.positions(base), AttentionMask.tree(tree.parents()), null, featureLayers)) {
            acceptance = TreeVerifier.verify(
                    tree, logits, request.sampling(), uniforms, constraint == null ? null : constraint.mask(tree));
            // timed after the verifier's host read: on a GPU the forward returns before the device has finished
            control.observeVerify(tree.size(), (System.nanoTime() - v0) / 1e9);
            if (drafter instanceof Drafter.ReadsTargetFeatures reader) {
                // the root's and the accepted path's features, context tokens from the root on
                int[] accepted = acceptance.acceptedNodes();
                int[] rows = new int[accepted.length + 1];
                System.arraycopy(accepted, 0, rows, 1, accepted.length);
                reader.targetFeatures(logits, rows, prompt.length + out.size() - 1);
            }
        }
        forwards++;
        treeNodes += tree.size() - 1;
        int[] accepted = acceptance.acceptedNodes();
        int[] keep = new int[accepted.length + 1];
        keep[0] = base;
        for (int i = 0; i < accepted.length; i++) {
            keep[i + 1] = base + accepted[i];
        }
        cache.retain(base, keep);
        verifyNanos += System.nanoTime() - v0;
        return acceptance;
    }

    /** What adaptive control learns from a step: acceptance per origin, and whether speculation (or the drafter) pays. */
    private void observe(StepProposal proposal, int[] accepted, int committed, double seconds) {
        if (!proposal.speculative()) {
            if (mode.speculates()) {
                control.observePlainStep(seconds);
            }
            return;
        }
        boolean several = proposal.proposers().size() > 1;
        control.observeStep(proposal.tree(), accepted, committed, seconds, several);
        if (several) {
            control.observeProposers(proposal.tree(), accepted, proposal.proposers(), proposal.proposerSeconds());
        }
    }

    /** Step 6: commits token by token, since a stop condition may end the step early. */
    private FinishReason commit(int[] step, TokenOrigin[] origins) {
        for (int i = 0; i < step.length; i++) {
            out.add(step[i]);
            byOrigin.merge(origins[i], 1, Integer::sum);
            String shown = filter.accept(detokenizer.push(step[i]));
            listener.onTokens(new int[] {step[i]}, new TokenOrigin[] {origins[i]}, shown);
            boolean complete = constraint != null && constraint.commit(step[i]);
            if (filter.stopped() || target.generationConfig().isEos(step[i]) || complete) {
                return FinishReason.STOP;
            }
            if (cancellation.isCancelled()) { // e.g. by the listener we just called
                return FinishReason.CANCELLED;
            }
            if (out.size() >= request.maxNewTokens() || prompt.length + out.size() >= limit) {
                return FinishReason.LENGTH;
            }
        }
        return null;
    }

    /** Streams the text the detokenizer and the stop filter still hold; a stop string found in it ends as STOP. */
    private FinishReason flush(FinishReason finish) {
        if (filter.stopped() || finish == FinishReason.CANCELLED || finish == FinishReason.TIMEOUT) {
            // the partial text is what was streamed: a held-back tail (half a character, the start of a stop
            // string) is not released by an interruption
            return finish;
        }
        String rest = filter.accept(detokenizer.flush()) + filter.finish();
        if (!rest.isEmpty()) {
            listener.onTokens(new int[0], new TokenOrigin[0], rest);
        }
        return filter.stopped() ? FinishReason.STOP : finish;
    }

    private GenerationStats stats(long t0, long t1, long t2) {
        return GenerationStats.builder()
                .promptTokens(prompt.length)
                .generatedTokens(out.size())
                .targetForwards(forwards)
                .prefillSeconds((t1 - t0) / 1e9)
                .seconds((t2 - t1) / 1e9)
                .acceptedByOrigin(byOrigin)
                .draftSeconds(costs.draftNanos / 1e9)
                .retrievalSeconds(costs.retrievalNanos / 1e9)
                .verifySeconds(verifyNanos / 1e9)
                .draftForwards(costs.draftForwards)
                .treeNodes(treeNodes)
                .fallbacks(control.fallbacks())
                .plainSteps(control.plainSteps())
                .draftSkips(control.draftSkips())
                .retrievalSkips(control.retrievalSkips())
                .cachedPromptTokens(cachedPromptTokens)
                .constraintSeconds(constraint == null ? 0 : constraint.seconds())
                .build();
    }

    /**
     * Restores the longest cached prefix of the prompt into the target's cache (and the drafter's, when it keeps
     * cacheable rows); returns the target rows restored. At most all but the prompt's last token: that one is the
     * first step's root and must be run.
     */
    private int restorePrefix() {
        PrefixCache prefixCache = engine.prefixCache();
        if (prefixCache == null || prompt.length < 2) {
            return 0;
        }
        PrefixCache.Match hit = prefixCache.lookup(target.identity(), prompt, prompt.length - 1);
        cache.restore(hit.blocks(), hit.rows());
        if (drafter instanceof Drafter.PrefixCacheRows rows) {
            PrefixCache.Match d =
                    prefixCache.lookupQuietly(engine.drafter().cacheIdentity(), prompt, prompt.length - 1);
            rows.restore(d.blocks(), d.rows());
        }
        return hit.rows();
    }

    /** Caches rows {@code [0, rows)} of {@code tokens}; a failure costs a later prefill, never this result. */
    private void storePrefix(int[] tokens, String model, int rows, PrefixCache.RowSource source) {
        PrefixCache prefixCache = engine.prefixCache();
        if (prefixCache == null) {
            return;
        }
        try {
            prefixCache.store(model, tokens, rows, source);
        } catch (RuntimeException e) {
            RasdEngine.LOG.warn("could not store {} rows in the prefix cache: {}", rows, e.toString());
        }
    }

    /**
     * Caches the rows of the whole committed context (prompt + output), so the next chat turn (this prompt, this
     * answer, a new message) hits. The target's cache holds every committed token but the last step's bonus token,
     * and may hold rows of a step's tokens past a stop; the drafter's holds a prefix of the same sequence. Rows past
     * the committed context are never stored.
     */
    private void storeContext() {
        int[] context = Arrays.copyOf(prompt, prompt.length + out.size());
        for (int i = 0; i < out.size(); i++) {
            context[prompt.length + i] = out.get(i);
        }
        storePrefix(context, target.identity(), Math.min(cache.length(), context.length), cache::snapshot);
        if (drafter instanceof Drafter.PrefixCacheRows rows) {
            storePrefix(
                    context,
                    engine.drafter().cacheIdentity(),
                    Math.min(rows.committedRows(), context.length),
                    rows::snapshot);
        }
    }

    @Override
    public void close() {
        try {
            if (engine.prefixCache() != null && finished) {
                storeContext();
            }
        } finally {
            closeAll(drafter, null);
        }
    }

    /** Frees native memory: the target's cache, the drafter's session, the sources (and references they own). */
    private void closeAll(Drafter.Session session, TokenDatastore unownedReferences) {
        try {
            cache.close();
            for (RetrievalSource source : sources) {
                source.close();
            }
            if (unownedReferences != null && sources.stream().noneMatch(s -> s instanceof DatastoreSource)) {
                unownedReferences.close();
            }
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }
}
