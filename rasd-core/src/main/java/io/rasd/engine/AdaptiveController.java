package io.rasd.engine;

import io.rasd.draft.Drafter;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.Arrays;

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
 * again, with exponential back-off. The draft model is judged the same way on its own where retrieval runs beside
 * it: when the tokens only the draft contributed are worth less than the time its forwards take (at the current
 * rate), steps go on with retrieval alone for a while (the draft catches up in one forward when it returns).
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

    private final SpeculationConfig config;
    private final VerifyCostCurve curve;
    /** Per TokenOrigin ordinal (DRAFT, PLD, DATASTORE): decayed sums of accepted nodes and of predicted scores. */
    private final double[] accepted = new double[TokenOrigin.values().length];

    private final double[] predicted = new double[TokenOrigin.values().length];
    private double draftForwardSeconds = -1;
    /** Speculation as a whole: tokens committed per second of speculative steps, against plain decoding. */
    private final Bench speculation = new Bench();
    /** The draft model beside retrieval: tokens only it contributed per second of its forwards. */
    private final Bench draft = new Bench();
    /** Measured verify seconds / curve prediction (EMA). */
    private double verifyScale = 1;
    /** Measured seconds of a plain step during fallbacks (EMA), or -1 before the first. */
    private double plainStepSeconds = -1;

    AdaptiveController(SpeculationConfig config, VerifyCostCurve curve) {
        this.config = config;
        this.curve = config.adaptive() ? curve : null;
        // prior: scores are calibrated
        Arrays.fill(accepted, PRIOR);
        Arrays.fill(predicted, PRIOR);
    }

    boolean adaptive() {
        return curve != null;
    }

    /** False while falling back to plain decoding. */
    boolean speculateThisStep() {
        return curve == null || speculation.active();
    }

    /** False while the draft model is benched because its contribution did not pay for its forwards. */
    boolean draftThisStep(boolean retrievalAvailable) {
        return curve == null || !retrievalAvailable || draft.active();
    }

    /**
     * After a step that drafted beside retrieval: {@code draftOnly} tokens were accepted that only the draft proposed,
     * at the price of {@code draftSeconds}.
     */
    void observeDraft(int draftOnly, double draftSeconds) {
        if (curve != null) {
            draft.observe(draftOnly, draftSeconds, currentRate());
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
        return draft.skipped;
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
     * After a verified step: learn calibration from what was accepted and judge whether speculation pays. A step
     * that drafted beside retrieval is not judged here: benching the draft ({@link #observeDraft}) comes first, and
     * plain decoding only when retrieval alone does not pay either.
     */
    void observeStep(TokenTree verified, int[] acceptedNodes, int committed, double stepSeconds) {
        observeStep(verified, acceptedNodes, committed, stepSeconds, false);
    }

    void observeStep(
            TokenTree verified, int[] acceptedNodes, int committed, double stepSeconds, boolean draftBesideRetrieval) {
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
        if (curve == null || draftBesideRetrieval) {
            return;
        }
        speculation.observe(committed, stepSeconds, plainRate());
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
    private static final class Bench {
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

        void observe(double stepGain, double stepCost, double thresholdRate) {
            gain = gain * DECAY + stepGain;
            cost = cost * DECAY + stepCost;
            steps++;
            if (steps < JUDGE_AFTER) {
                return;
            }
            if (gain < thresholdRate * cost) {
                offLeft = backoff;
                backoff = Math.min(MAX_BACKOFF, backoff * 2);
                benched++;
            } else if (steps >= 4 * JUDGE_AFTER) {
                backoff = MIN_BACKOFF;
            }
        }
    }
}
