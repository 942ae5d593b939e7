package io.rasd.engine;

import io.rasd.draft.Drafter;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses, step by step, how much to speculate so that expected tokens per second is highest (the paper hand-sets
 * these; on a CPU the right values depend on the machine and the text).
 *
 * <p>The model: a tree node is accepted with probability about c(source) × score(node), where the score is the
 * draft's cumulative probability (or, without a draft, the retrieval frequency share) and c is a per-source
 * calibration learned online as accepted / predicted. A step that verifies the n best nodes is expected to commit
 * 1 + Σ c·score tokens and costs what drafting and retrieval already spent plus the measured t(n+1), so the budget
 * maximises (1 + Σ) / (spent + t(n+1)). A further draft depth is worth its forward when the best frontier node's
 * calibrated probability exceeds (current rate × one draft forward's time). When the realised rate of speculative
 * steps stays below plain decoding's 1 / t(1), the controller falls back to plain steps for a while and probes
 * again, with exponential back-off. Where several proposers run beside each other (the draft model, prompt lookup,
 * the datastore), each is judged on its own: when the accepted tokens credited to it are worth less, at the current
 * rate, than its own time plus the verify time of the nodes credited to it, steps go on without it for a while
 * (the draft catches up in one forward when it returns). What the controller learnt about the proposers and about
 * speculation as a whole carries over to the next generation of the same mode through {@link ProposerMemory}, so a
 * workload pays the judging once, not once per request.
 * Measured verify times rescale the cost curve, so a machine busier than at measuring time is accounted for.
 *
 * <p>Without a cost curve (adaptive control off) every decision returns the hand-set value. One controller serves
 * one generation.
 */
final class AdaptiveController {

    private static final double DECAY = 0.9;
    /** Weight of the calibration prior c = 1, in nodes of evidence (what the arrays start at and fade back to). */
    private static final double PRIOR = 1.0;

    private static final int MIN_BACKOFF = 8;
    private static final int MAX_BACKOFF = 256;
    /** Steps observed before the first judgement; a probe after a back-off is judged after {@link #PROBE_STEPS}. */
    private static final int JUDGE_AFTER = 6;

    private static final int PROBE_STEPS = 2;
    /** The longest bench a new generation inherits from the last one (steps). */
    private static final int CARRIED_BACKOFF = 64;

    /**
     * The order proposers are judged in after a step, the costliest first; at most one is benched per step, so two
     * proposers that duplicate each other (neither contributes a token the other did not) lose only one of them.
     */
    private static final List<TokenOrigin> JUDGING_ORDER =
            List.of(TokenOrigin.DRAFT, TokenOrigin.DATASTORE, TokenOrigin.PLD);

    private final SpeculationConfig config;
    private final VerifyCostCurve curve;
    /** Per TokenOrigin ordinal (DRAFT, PLD, DATASTORE): decayed sums of accepted nodes and of predicted scores. */
    private final double[] accepted = new double[TokenOrigin.values().length];

    private final double[] predicted = new double[TokenOrigin.values().length];
    private double draftForwardSeconds = -1;
    /** Speculation as a whole: tokens committed per second of speculative steps, against plain decoding. */
    private final Bench speculation = new Bench();
    /**
     * Each proposer beside others (by TokenOrigin ordinal): accepted tokens credited to it per second of its own time
     * and of verifying the nodes credited to it.
     */
    private final Bench[] proposers = new Bench[TokenOrigin.values().length];
    /** Where the proposers' judgement comes from and goes back to at the end; null without adaptive control. */
    private final ProposerMemory memory;

    private final DecodingMode mode;
    /** Measured verify seconds / curve prediction (EMA). */
    private double verifyScale = 1;
    /** Measured seconds of a plain step during fallbacks (EMA), or -1 before the first. */
    private double plainStepSeconds = -1;

    AdaptiveController(SpeculationConfig config, VerifyCostCurve curve) {
        this(config, curve, null, null);
    }

    /**
     * @param memory the engine's memory of the proposers' worth, or null to start from nothing
     * @param mode the generation's mode: the memory's key
     */
    AdaptiveController(SpeculationConfig config, VerifyCostCurve curve, ProposerMemory memory, DecodingMode mode) {
        this.config = config;
        this.curve = config.adaptive() ? curve : null;
        this.memory = this.curve == null ? null : memory;
        this.mode = mode;
        // prior: scores are calibrated
        Arrays.fill(accepted, PRIOR);
        Arrays.fill(predicted, PRIOR);
        for (int i = 0; i < proposers.length; i++) {
            proposers[i] = new Bench();
        }
        if (this.memory != null) {
            this.memory.restore(mode, proposers, speculation);
        }
    }

    /** Hands what was learnt about the proposers and speculation to the engine's memory for the next generation. */
    void remember() {
        if (memory != null) {
            memory.store(mode, proposers, speculation);
        }
    }

    boolean adaptive() {
        return curve != null;
    }

    /** False while falling back to plain decoding. */
    boolean speculateThisStep() {
        return curve == null || speculation.active();
    }

    /**
     * The proposers to run this step out of the mode's {@code available} ones: all but those benched because what only
     * they contributed did not pay. A proposer alone is never benched here (plain decoding is the fallback for that),
     * and a step never runs without any.
     */
    Set<TokenOrigin> proposersThisStep(Set<TokenOrigin> available) {
        if (curve == null || available.size() < 2) {
            return available;
        }
        EnumSet<TokenOrigin> run = EnumSet.noneOf(TokenOrigin.class);
        for (TokenOrigin origin : available) {
            if (proposers[origin.ordinal()].active()) {
                run.add(origin);
            }
        }
        return run.isEmpty() ? available : run;
    }

    /**
     * After a verified step in which several proposers ran: each is credited the accepted nodes credited to it
     * ({@link TokenOrigin#creditOf}: a node several proposed counts for prompt lookup, then the datastore, and for the
     * draft only when no retrieval proposed it) and charged its own {@code seconds} (by TokenOrigin ordinal) plus the
     * verify time of the nodes credited to it. So of two sources proposing the same text the datastore goes, prompt
     * lookup (the cheaper, and this request's own) stays. Judged costliest first; once one is benched the others
     * wait for a step without it.
     */
    void observeProposers(TokenTree verified, int[] acceptedNodes, Set<TokenOrigin> ran, double[] seconds) {
        if (curve == null || ran.size() < 2) {
            return;
        }
        int nodes = verified.size() - 1;
        int[] ownNodes = new int[proposers.length];
        for (int node = 1; node <= nodes; node++) {
            ownNodes[TokenOrigin.creditOf(verified, node).ordinal()]++;
        }
        int[] ownAccepted = new int[proposers.length];
        for (int node : acceptedNodes) {
            ownAccepted[TokenOrigin.creditOf(verified, node).ordinal()]++;
        }
        for (TokenOrigin origin : JUDGING_ORDER) {
            if (!ran.contains(origin)) {
                continue;
            }
            int o = origin.ordinal();
            double cost = seconds[o] + verifySeconds(nodes + 1) - verifySeconds(nodes + 1 - ownNodes[o]);
            if (proposers[o].observe(ownAccepted[o], Math.max(0, cost), currentRate())) {
                return;
            }
        }
    }

    /** A plain step (fallback) took {@code seconds} from start to commit. */
    void observePlainStep(double seconds) {
        plainStepSeconds = plainStepSeconds < 0 ? seconds : 0.8 * plainStepSeconds + 0.2 * seconds;
    }

    /**
     * Tokens per second plain decoding achieves here: measured during fallbacks, else the curve's unscaled t(1) (a
     * one-token step runs close to it, while larger verifies run slower than measured in isolation).
     */
    private double plainRate() {
        return 1 / (plainStepSeconds > 0 ? plainStepSeconds : curve.secondsFor(1));
    }

    /** A verify forward over {@code n} tokens took {@code seconds}. */
    void observeVerify(int n, double seconds) {
        if (curve != null) {
            verifyScale = 0.9 * verifyScale + 0.1 * (seconds / curve.secondsFor(n));
        }
    }

    /** Steps that ran retrieval without the draft model because it did not pay. */
    int draftSkips() {
        return proposers[TokenOrigin.DRAFT.ordinal()].skipped;
    }

    /** Steps that went on without a retrieval source because it did not pay (summed over the sources). */
    int retrievalSkips() {
        return proposers[TokenOrigin.PLD.ordinal()].skipped + proposers[TokenOrigin.DATASTORE.ordinal()].skipped;
    }

    int maxDraftDepth() {
        return config.draftDepth();
    }

    Drafter.DepthPolicy depthPolicy() {
        if (curve == null) {
            return Drafter.DepthPolicy.ALWAYS;
        }
        return (depth, bestProb) -> draftForwardSeconds < 0
                || calibration(TokenOrigin.DRAFT) * bestProb >= currentRate() * draftForwardSeconds;
    }

    void observeDraftForward(double seconds) {
        draftForwardSeconds = draftForwardSeconds < 0 ? seconds : 0.8 * draftForwardSeconds + 0.2 * seconds;
    }

    /** How many of the fused tree's nodes to verify, given what this step already spent proposing. */
    int treeBudget(TokenTree fused, double spentSeconds) {
        int cap = config.treeBudget();
        if (curve == null) {
            return cap;
        }
        int nodes = fused.size() - 1;
        double[] value = new double[nodes];
        for (int i = 0; i < nodes; i++) {
            value[i] = calibration(TokenOrigin.creditOf(fused, i + 1)) * fused.score(i + 1);
        }
        Arrays.sort(value);
        double expected = 1;
        double best = expected / (spentSeconds + verifySeconds(1));
        int bestN = 0;
        for (int n = 1; n <= Math.min(cap, nodes); n++) {
            expected += Math.min(1, value[nodes - n]);
            double rate = expected / (spentSeconds + verifySeconds(n + 1));
            if (rate > best) {
                best = rate;
                bestN = n;
            }
        }
        return bestN;
    }

    /**
     * After a verified step: learn calibration from what was accepted and judge whether speculation pays. A step in
     * which several proposers ran is not judged here: benching the ones that do not pay ({@link #observeProposers})
     * comes first, and plain decoding only when the one left does not pay either.
     */
    void observeStep(TokenTree verified, int[] acceptedNodes, int committed, double stepSeconds) {
        observeStep(verified, acceptedNodes, committed, stepSeconds, false);
    }

    void observeStep(
            TokenTree verified, int[] acceptedNodes, int committed, double stepSeconds, boolean severalProposers) {
        for (int i = 0; i < accepted.length; i++) {
            // evidence fades toward the prior (c = 1, weight PRIOR) rather than freezing: a source whose early
            // proposals failed and whose nodes are therefore no longer verified would otherwise keep its low
            // calibration for good, and never be tried again when the text turns repetitive
            accepted[i] = accepted[i] * DECAY + (1 - DECAY) * PRIOR;
            predicted[i] = predicted[i] * DECAY + (1 - DECAY) * PRIOR;
        }
        for (int node = 1; node < verified.size(); node++) {
            predicted[TokenOrigin.creditOf(verified, node).ordinal()] += verified.score(node);
        }
        for (int node : acceptedNodes) {
            accepted[TokenOrigin.creditOf(verified, node).ordinal()] += 1;
        }
        if (curve == null || severalProposers) {
            return;
        }
        if (speculation.observe(committed, stepSeconds, plainRate())) {
            // plain decoding was chosen on what the proposers left running achieved: the ones benched beside others
            // come back for the probe after the fallback, or a strong source benched beside a weak one would stay
            // out while the weak one alone fails
            for (Bench b : proposers) {
                b.wake();
            }
        }
    }

    private double currentRate() {
        return speculation.cost > 0 ? speculation.gain / speculation.cost : plainRate();
    }

    private double verifySeconds(int n) {
        return curve.secondsFor(n) * verifyScale;
    }

    double calibration(TokenOrigin origin) {
        return accepted[origin.ordinal()] / predicted[origin.ordinal()];
    }

    /** Times speculation was switched off because it did not pay. */
    int fallbacks() {
        return speculation.benched;
    }

    /** Steps decoded plainly because of a fallback. */
    int plainSteps() {
        return speculation.skipped;
    }

    /**
     * Decayed evidence of whether something pays (gain per cost above a threshold rate), and the back-off that
     * benches it when it does not: benched for 8 steps, doubling up to 256 while it keeps failing, reset after a
     * long good run. A probe after a back-off half-forgets the history and is judged after two steps.
     */
    static final class Bench {
        double gain;
        double cost;
        int steps;
        int offLeft;
        int backoff = MIN_BACKOFF;
        int benched;
        int skipped;

        /** Whether to use it this step; a benched step is counted. */
        boolean active() {
            if (offLeft == 0) {
                return true;
            }
            offLeft--;
            skipped++;
            if (offLeft == 0) {
                gain *= 0.5;
                cost *= 0.5;
                steps = JUDGE_AFTER - PROBE_STEPS;
            }
            return false;
        }

        /** Returns whether this observation benched it. */
        boolean observe(double stepGain, double stepCost, double thresholdRate) {
            gain = gain * DECAY + stepGain;
            cost = cost * DECAY + stepCost;
            steps++;
            if (steps < JUDGE_AFTER) {
                return false;
            }
            if (gain < thresholdRate * cost) {
                offLeft = backoff;
                backoff = Math.min(MAX_BACKOFF, backoff * 2);
                benched++;
                return true;
            }
            if (steps >= 4 * JUDGE_AFTER) {
                backoff = MIN_BACKOFF;
            }
            return false;
        }

        /**
         * Takes over the judgement another generation left: its evidence half-forgotten and judged again after two
         * steps, as after a probe. A bench still running goes on, for at most {@link #CARRIED_BACKOFF} steps and with
         * the back-off capped there, so a workload that changes (a draft useless on documents, useful on code) is
         * noticed within a generation or two. The counters of what this generation did start at zero.
         */
        void resumeFrom(Bench previous) {
            gain = previous.gain * 0.5;
            cost = previous.cost * 0.5;
            steps = Math.min(previous.steps, JUDGE_AFTER - PROBE_STEPS);
            offLeft = Math.min(previous.offLeft, CARRIED_BACKOFF);
            backoff = Math.min(previous.backoff, CARRIED_BACKOFF);
        }

        /**
         * Takes over another generation's judgement of speculation as a whole: evidence half-forgotten, judged after
         * two steps, the back-off capped at {@link #CARRIED_BACKOFF}, but no bench running at the start. A fallback
         * carried over would start the next request with up to 64 plain steps, a whole 128-token answer in a mode whose
         * retrieval pays on this prompt and did not on the last one (measured: `rasd` on Code τ 2.54 -> 2.00).
         */
        void resumeJudgementFrom(Bench previous) {
            resumeFrom(previous);
            offLeft = 0;
        }

        /** Ends a running bench now, as a probe would: history half-forgotten, judged again after two steps. */
        void wake() {
            if (offLeft > 0) {
                offLeft = 0;
                gain *= 0.5;
                cost *= 0.5;
                steps = JUDGE_AFTER - PROBE_STEPS;
            }
        }

        Bench copy() {
            Bench b = new Bench();
            b.gain = gain;
            b.cost = cost;
            b.steps = steps;
            b.offLeft = offLeft;
            b.backoff = backoff;
            return b;
        }
    }
}
