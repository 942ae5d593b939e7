package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.EnumSet;
import java.util.Set;
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

    static final Set<TokenOrigin> DRAFT_AND_PLD = EnumSet.of(TokenOrigin.DRAFT, TokenOrigin.PLD);
    static final Set<TokenOrigin> ALL = EnumSet.of(TokenOrigin.DRAFT, TokenOrigin.PLD, TokenOrigin.DATASTORE);

    /** Seconds by origin, as a step reports them: {@code draft} for the draft model, nothing for retrieval. */
    static double[] seconds(double draft) {
        double[] s = new double[TokenOrigin.values().length];
        s[TokenOrigin.DRAFT.ordinal()] = draft;
        return s;
    }

    /** A fused tree: a retrieval chain of {@code retrieved} nodes from {@code origins}, and one draft-only child. */
    static TokenTree fused(int retrieved, int originBits) {
        TokenTree t = new TokenTree(0);
        int node = 0;
        for (int i = 0; i < retrieved; i++) {
            node = t.extend(node, 10 + i, originBits, 0.9);
        }
        t.insertChild(0, 99, 0.3, TokenOrigin.DRAFT);
        return t;
    }

    @Test
    void aDraftWhoseOwnTokensDoNotPayIsBenchedOnlyWhileRetrievalCanCarryOn() {
        AdaptiveController c = new AdaptiveController(config(true), FLAT);
        assertThat(c.proposersThisStep(Set.of(TokenOrigin.DRAFT)))
                .as("alone, the draft is never benched here: plain decoding is its fallback")
                .containsExactly(TokenOrigin.DRAFT);
        int drafted = 0;
        while (c.proposersThisStep(DRAFT_AND_PLD).contains(TokenOrigin.DRAFT) && drafted < 20) {
            drafted++;
            TokenTree t = fused(3, TokenOrigin.PLD.bit());
            c.observeStep(t, new int[] {1, 2}, 3, 0.012, true);
            c.observeProposers(t, new int[] {1, 2}, DRAFT_AND_PLD, seconds(0.004)); // never a token of its own
        }
        assertThat(drafted).as("steps before the draft is benched").isBetween(4, 10);
        assertThat(c.draftSkips()).isEqualTo(1);
        assertThat(c.retrievalSkips()).as("prompt lookup carried the steps").isZero();
        int benched = 1;
        while (!c.proposersThisStep(DRAFT_AND_PLD).contains(TokenOrigin.DRAFT)) {
            benched++;
        }
        assertThat(benched).as("first back-off").isEqualTo(8);

        AdaptiveController useful = new AdaptiveController(config(true), FLAT);
        for (int step = 0; step < 30; step++) {
            assertThat(useful.proposersThisStep(DRAFT_AND_PLD)).isEqualTo(DRAFT_AND_PLD);
            TokenTree t = fused(3, TokenOrigin.PLD.bit());
            useful.observeStep(t, new int[] {4}, 2, 0.012, true);
            useful.observeProposers(t, new int[] {4}, DRAFT_AND_PLD, seconds(0.004)); // its node was the one accepted
        }
    }

    @Test
    void ofTwoSourcesThatProposeTheSameTokensTheDatastoreIsBenchedAndPromptLookupStays() {
        AdaptiveController c = new AdaptiveController(config(true), STEEP);
        Set<TokenOrigin> sources = EnumSet.of(TokenOrigin.PLD, TokenOrigin.DATASTORE);
        int both = TokenOrigin.PLD.bit() | TokenOrigin.DATASTORE.bit();
        double[] lookupTime = new double[TokenOrigin.values().length];
        lookupTime[TokenOrigin.PLD.ordinal()] = 20e-6;
        lookupTime[TokenOrigin.DATASTORE.ordinal()] = 20e-6;
        int withOne = 0;
        for (int step = 0; step < 200; step++) {
            Set<TokenOrigin> run = c.proposersThisStep(sources);
            assertThat(run).as("step %d runs a source", step).isNotEmpty();
            withOne += run.size() == 1 ? 1 : 0;
            TokenTree t = new TokenTree(0);
            t.extend(0, 10, run.size() == 2 ? both : run.iterator().next().bit(), 0.9);
            c.observeProposers(t, new int[] {1}, run, lookupTime);
        }
        // a node both proposed is credited to prompt lookup: the datastore adds nothing and goes, never both
        assertThat(withOne).isGreaterThan(150);
        assertThat(c.retrievalSkips()).isEqualTo(withOne);
        assertThat(c.proposersThisStep(sources)).contains(TokenOrigin.PLD);
    }

    @Test
    void theVerifyTimeOfNodesOnlyOneSourceProposesCountsAgainstIt() {
        // on a steep curve each extra node costs a plain step's time: a source whose own nodes are never accepted
        // is benched although its retrieval itself takes no time
        AdaptiveController c = new AdaptiveController(config(true), STEEP);
        Set<TokenOrigin> sources = EnumSet.of(TokenOrigin.PLD, TokenOrigin.DATASTORE);
        int judged = 0;
        while (c.proposersThisStep(sources).contains(TokenOrigin.DATASTORE) && judged < 20) {
            judged++;
            TokenTree t = new TokenTree(0);
            int pld = t.extend(0, 10, TokenOrigin.PLD.bit(), 0.9);
            t.extend(0, 11, TokenOrigin.DATASTORE.bit(), 0.5);
            t.extend(0, 12, TokenOrigin.DATASTORE.bit(), 0.4);
            c.observeProposers(t, new int[] {pld}, sources, seconds(0));
        }
        assertThat(judged).isBetween(4, 10);
        assertThat(c.retrievalSkips()).isEqualTo(1);
    }

    @Test
    void aSourceBenchedBesideAnotherComesBackWhenTheOtherAloneFallsBackToPlainDecoding() {
        AdaptiveController c = new AdaptiveController(config(true), STEEP); // a node costs what a plain step does
        Set<TokenOrigin> sources = EnumSet.of(TokenOrigin.PLD, TokenOrigin.DATASTORE);
        // prompt lookup's nodes are never accepted while the datastore's are: prompt lookup is benched
        int judged = 0;
        while (c.proposersThisStep(sources).contains(TokenOrigin.PLD) && judged++ < 20) {
            TokenTree t = new TokenTree(0);
            t.extend(0, 10, TokenOrigin.PLD.bit(), 0.9);
            int ds = t.extend(0, 11, TokenOrigin.DATASTORE.bit(), 0.5);
            c.observeStep(t, new int[] {ds}, 2, 0.012, true);
            c.observeProposers(t, new int[] {ds}, sources, seconds(0));
        }
        assertThat(c.retrievalSkips()).isEqualTo(1);
        // then the text changes: the datastore alone commits one token per 30 ms step, three times slower than plain
        int steps = 0;
        while (c.speculateThisStep() && steps < 20) {
            assertThat(c.proposersThisStep(sources)).containsExactly(TokenOrigin.DATASTORE);
            steps++;
            TokenTree t = new TokenTree(0);
            t.extend(0, 11, TokenOrigin.DATASTORE.bit(), 0.5);
            c.observeStep(t, new int[0], 1, 0.030, false);
        }
        assertThat(c.fallbacks()).isEqualTo(1);
        for (int plain = 0; plain < 20 && !c.speculateThisStep(); plain++) {
            // plain steps
        }
        assertThat(c.proposersThisStep(sources))
                .as("the probe after the fallback")
                .isEqualTo(sources);
    }

    @Test
    void aNewGenerationOfTheSameModeResumesTheVerdictOnTheDraft() {
        ProposerMemory memory = new ProposerMemory();
        AdaptiveController first = new AdaptiveController(config(true), FLAT, memory, DecodingMode.RASD);
        while (first.proposersThisStep(ALL).contains(TokenOrigin.DRAFT)) {
            TokenTree t = fused(3, TokenOrigin.PLD.bit());
            first.observeProposers(t, new int[] {1, 2}, ALL, seconds(0.004));
        }
        first.remember();

        AdaptiveController next = new AdaptiveController(config(true), FLAT, memory, DecodingMode.RASD);
        assertThat(next.proposersThisStep(ALL)).as("starts benched").doesNotContain(TokenOrigin.DRAFT);
        assertThat(next.draftSkips()).as("counted for this generation").isEqualTo(1);
        AdaptiveController otherMode = new AdaptiveController(config(true), FLAT, memory, DecodingMode.RASD_PLD);
        assertThat(otherMode.proposersThisStep(DRAFT_AND_PLD)).contains(TokenOrigin.DRAFT);
        AdaptiveController handSet = new AdaptiveController(config(false), FLAT, memory, DecodingMode.RASD);
        assertThat(handSet.proposersThisStep(ALL)).isEqualTo(ALL);
    }

    @Test
    void aNewGenerationOfTheSameModeResumesTheJudgementOfSpeculationButStartsSpeculating() {
        ProposerMemory memory = new ProposerMemory();
        AdaptiveController first = new AdaptiveController(config(true), FLAT, memory, DecodingMode.DRAFT);
        int judging = 0;
        while (first.speculateThisStep()) {
            // a drafter alone that does not pay: one token in 30 ms against plain decoding's 10 ms
            first.observeStep(chain(4, 0.5), new int[0], 1, 0.030);
            judging++;
        }
        assertThat(judging).isEqualTo(6);
        first.remember();

        AdaptiveController next = new AdaptiveController(config(true), FLAT, memory, DecodingMode.DRAFT);
        assertThat(next.speculateThisStep()).as("no bench at the start").isTrue();
        // judged on the half-forgotten verdict after two steps, not six
        next.observeStep(chain(4, 0.5), new int[0], 1, 0.030);
        assertThat(next.speculateThisStep()).isTrue();
        next.observeStep(chain(4, 0.5), new int[0], 1, 0.030);
        assertThat(next.speculateThisStep()).isFalse();
        assertThat(next.fallbacks()).isEqualTo(1);
        int plain = 1;
        while (!next.speculateThisStep()) {
            plain++;
        }
        assertThat(plain).as("the back-off the last generation reached").isEqualTo(16);

        AdaptiveController otherMode = new AdaptiveController(config(true), FLAT, memory, DecodingMode.PLD);
        otherMode.observeStep(chain(4, 0.5), new int[0], 1, 0.030);
        otherMode.observeStep(chain(4, 0.5), new int[0], 1, 0.030);
        assertThat(otherMode.speculateThisStep())
                .as("another mode judges after six")
                .isTrue();
    }

    @Test
    void aDrafterThatPaysIsNotHeldBackByTheMemory() {
        ProposerMemory memory = new ProposerMemory();
        AdaptiveController first = new AdaptiveController(config(true), FLAT, memory, DecodingMode.DRAFT);
        TokenTree t = chain(4, 0.9);
        for (int step = 0; step < 20; step++) {
            first.observeStep(t, new int[] {1, 2, 3}, 4, 0.012);
        }
        first.remember();
        AdaptiveController next = new AdaptiveController(config(true), FLAT, memory, DecodingMode.DRAFT);
        for (int step = 0; step < 20; step++) {
            assertThat(next.speculateThisStep()).isTrue();
            next.observeStep(t, new int[] {1, 2, 3}, 4, 0.012);
        }
        assertThat(next.fallbacks()).isZero();
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
