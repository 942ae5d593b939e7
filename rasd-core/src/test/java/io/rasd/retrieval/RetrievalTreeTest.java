package io.rasd.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rasd.tree.RootDistribution;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import org.junit.jupiter.api.Test;

class RetrievalTreeTest {

    private static RetrievalTree sample() {
        RetrievalTree t = new RetrievalTree(100);
        t.add(new int[] {1, 2, 3}, 3, TokenOrigin.DATASTORE);
        t.add(new int[] {1, 2, 4}, 1, TokenOrigin.DATASTORE);
        t.add(new int[] {5}, 1, TokenOrigin.DATASTORE);
        return t;
    }

    private static final RootDistribution ROOT =
            new RootDistribution(new int[] {1, 7, 5}, new float[] {0.6f, 0.2f, 0.1f});

    private static double scoreOf(TokenTree t, int... path) {
        int node = 0;
        for (int token : path) {
            node = t.child(node, token);
            assertThat(node).as("path %s", java.util.Arrays.toString(path)).isPositive();
        }
        return t.score(node);
    }

    @Test
    void firstLevelScoresAreDraftProbabilitiesAndDeeperNodesScaleByCountShare() {
        TokenTree t = sample().pruneByDraft(ROOT, 8, 0, 100);
        assertThat(t.size()).isEqualTo(6);
        assertThat(scoreOf(t, 1)).isCloseTo(0.6, within(1e-6));
        assertThat(scoreOf(t, 1, 2)).isCloseTo(0.6, within(1e-6));
        assertThat(scoreOf(t, 1, 2, 3)).isCloseTo(0.45, within(1e-6));
        assertThat(scoreOf(t, 1, 2, 4)).isCloseTo(0.15, within(1e-6));
        assertThat(scoreOf(t, 5)).isCloseTo(0.1, within(1e-6));
        assertThat(t.origins(t.child(0, 1))).containsExactly(TokenOrigin.DATASTORE);
    }

    @Test
    void pathsWhoseFirstTokenIsOutsideTheDraftsTopKOrBelowTheMinimumProbabilityArePruned() {
        assertThat(sample().pruneByDraft(ROOT, 2, 0, 100).paths()).noneMatch(p -> p[0] == 5); // 5 has rank 2
        assertThat(sample().pruneByDraft(ROOT, 8, 0.15, 100).paths()).noneMatch(p -> p[0] == 5);
        RetrievalTree unknown = new RetrievalTree(100);
        unknown.add(new int[] {42, 43}, 5, TokenOrigin.PLD); // not in the draft's top-m at all
        assertThat(unknown.pruneByDraft(ROOT, 8, 0, 100).size()).isEqualTo(1);
    }

    @Test
    void theNodeBudgetKeepsTheBestScoredNodesAsATree() {
        TokenTree t = sample().pruneByDraft(ROOT, 8, 0, 3);
        assertThat(t.size()).isEqualTo(4);
        assertThat(t.paths()).containsExactly(new int[] {1, 2, 3});
        assertThat(sample().pruneByDraft(ROOT, 8, 0, 0).size()).isEqualTo(1);
    }

    @Test
    void withoutADraftFirstLevelNodesScoreTheirShareOfCandidates() {
        TokenTree t = sample().pruneByDraft(null, 1, 0.99, 100); // pruning knobs need a draft: ignored
        assertThat(scoreOf(t, 1)).isCloseTo(0.8, within(1e-9));
        assertThat(scoreOf(t, 1, 2, 4)).isCloseTo(0.2, within(1e-9));
        assertThat(scoreOf(t, 5)).isCloseTo(0.2, within(1e-9));
    }
}
