package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import org.junit.jupiter.api.Test;

class AdaptiveControllerTest {

    static final int[] SIZES = {1, 2, 4, 8, 16, 32, 64};
    static final VerifyCostCurve FLAT =
            new VerifyCostCurve(128, SIZES, new double[] {0.010, 0.010, 0.010, 0.010, 0.010, 0.010, 0.010});
    static final VerifyCostCurve STEEP =
            new VerifyCostCurve(128, SIZES, new double[] {0.010, 0.020, 0.040, 0.080, 0.160, 0.320, 0.640});

    static SpeculationConfig config(boolean adaptive) {
        return SpeculationConfig.builder().adaptive(adaptive).treeBudget(12).build();
    }

    /** A chain of {@code n} draft nodes, each with probability {@code p} given its parent. */
    static TokenTree chain(int n, double p) {
        TokenTree t = new TokenTree(0);
        int node = 0;
        double score = 1;
        for (int i = 0; i < n; i++) {
            score *= p;
            node = t.insertChild(node, 10 + i, score, TokenOrigin.DRAFT);
        }
        return t;
    }

    @Test
    void aFlatCostCurveVerifiesEverythingUpToTheBudgetAndASteepOneOnlyWhatPays() {
        assertThat(new AdaptiveController(config(true), FLAT).treeBudget(chain(20, 0.9), 0))
                .isEqualTo(12);
        // t(n+1) = (n+1) t(1): a node must be accepted with probability > 1 to pay, none does
        assertThat(new AdaptiveController(config(true), STEEP).treeBudget(chain(20, 0.9), 0))
                .isZero();
        // a curve where one extra node is cheap and the rest expensive: verify just the likely first node
        VerifyCostCurve kink =
                new VerifyCostCurve(128, SIZES, new double[] {0.010, 0.0105, 0.040, 0.080, 0.160, 0.320, 0.640});
        assertThat(new AdaptiveController(config(true), kink).treeBudget(chain(20, 0.9), 0))
                .isEqualTo(1);
    }

    @Test
    void aSourceWhoseNodesFailedEarlyIsTriedAgainAfterStepsThatVerifiedNone() {
        // a curve on which a node pays only when it is accepted at least half the time
        VerifyCostCurve half =
                new VerifyCostCurve(128, SIZES, new double[] {0.010, 0.015, 0.030, 0.060, 0.120, 0.240, 0.480});
        AdaptiveController c = new AdaptiveController(config(true), half);
        TokenTree likely = chain(1, 0.9);
        assertThat(c.treeBudget(likely, 0)).as("the prior trusts the score").isEqualTo(1);
        for (int i = 0; i < 6; i++) {
            c.observeStep(chain(1, 0.9), new int[0], 1, 0.010); // verified and rejected
        }
        assertThat(c.treeBudget(likely, 0)).as("after the rejections").isZero();
        int steps = 0;
        while (c.treeBudget(likely, 0) == 0 && steps < 100) {
            c.observeStep(new TokenTree(0), new int[0], 1, 0.010); // budget 0: nothing verified, nothing learnt
            steps++;
        }
        // evidence fades back toward the prior, so the source is probed again instead of staying benched for good
        assertThat(steps).isBetween(1, 40);
        assertThat(c.calibration(TokenOrigin.DRAFT)).isLessThan(1.0);
    }

    @Test
    void handSetValuesAreUsedAsGivenWithoutAdaptiveControl() {
        AdaptiveController c = new AdaptiveController(config(false), STEEP);
        assertThat(c.adaptive()).isFalse();
        assertThat(c.treeBudget(chain(20, 0.1), 1)).isEqualTo(12);
        for (int i = 0; i < 50; i++) {
            c.observeStep(chain(5, 0.9), new int[0], 1, 1.0);
            assertThat(c.speculateThisStep()).isTrue();
        }
        assertThat(c.depthPolicy().expand(5, 1e-9)).isTrue();
    }

    @Test
    void speculationThatRunsSlowerThanPlainDecodingFallsBackAndProbesAgainWithGrowingBackOff() {
        AdaptiveController c = new AdaptiveController(config(true), FLAT);
        int plain = 0;
        int probes = 0;
        for (int step = 0; step < 200; step++) {
            if (c.speculateThisStep()) {
                probes++;
                // every speculative step commits one token in 30 ms: plain decoding (10 ms) is 3x faster
                c.observeStep(chain(4, 0.5), new int[0], 1, 0.030);
            } else {
                plain++;
            }
        }
        assertThat(c.fallbacks()).isGreaterThan(1);
        assertThat(plain).isGreaterThan(150);
        assertThat(c.plainSteps()).isEqualTo(plain);
        assertThat(probes).isLessThan(50);
    }

    @Test
    void speculationThatPaysNeverFallsBack() {
        AdaptiveController c = new AdaptiveController(config(true), FLAT);
        TokenTree t = chain(4, 0.9);
        for (int step = 0; step < 100; step++) {
            assertThat(c.speculateThisStep()).isTrue();
            c.observeStep(t, new int[] {1, 2, 3}, 4, 0.012);
        }
        assertThat(c.fallbacks()).isZero();
        assertThat(c.calibration(TokenOrigin.DRAFT)).isGreaterThan(0.9);
    }

    @Test
    void aDraftWhoseOwnTokensDoNotPayIsBenchedOnlyWhileRetrievalCanCarryOn() {
        AdaptiveController c = new AdaptiveController(config(true), FLAT);
        int drafted = 0;
        while (c.draftThisStep(false) && drafted < 20) { // without retrieval there is nothing to carry on with
            if (!c.draftThisStep(true)) {
                break;
            }
            drafted++;
            c.observeStep(chain(4, 0.9), new int[] {1, 2}, 3, 0.012);
            c.observeDraft(0, 0.004); // the draft never contributed a token of its own
        }
        assertThat(drafted).as("steps before the draft is benched").isBetween(4, 10);
        assertThat(c.draftSkips()).isEqualTo(1);
        assertThat(c.draftThisStep(false)).isTrue();
        int benched = 1;
        while (!c.draftThisStep(true)) {
            benched++;
        }
        assertThat(benched).as("first back-off").isEqualTo(8);

        AdaptiveController useful = new AdaptiveController(config(true), FLAT);
        for (int step = 0; step < 30; step++) {
            assertThat(useful.draftThisStep(true)).isTrue();
            useful.observeStep(chain(4, 0.9), new int[] {1, 2}, 3, 0.012);
            useful.observeDraft(2, 0.004);
        }
    }

    @Test
    void deeperDraftLevelsAreExpandedOnlyWhileTheirExpectedGainBeatsTheirCost() {
        AdaptiveController c = new AdaptiveController(config(true), FLAT);
        c.observeDraftForward(0.002);
        // rate before any step: plain decoding, 100 tokens/s; one draft forward costs 0.2 tokens at that rate
        assertThat(c.depthPolicy().expand(2, 0.5)).isTrue();
        assertThat(c.depthPolicy().expand(2, 0.1)).isFalse();
    }
}
