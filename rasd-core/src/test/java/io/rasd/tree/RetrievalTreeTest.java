package io.rasd.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetrievalTreeTest {

    private static RetrievalTree sample() {
        RetrievalTree t = new RetrievalTree(100);
        t.add(new int[] {1, 2, 3}, 3, Source.DATASTORE);
        t.add(new int[] {1, 2, 4}, 1, Source.DATASTORE);
        t.add(new int[] {5}, 1, Source.DATASTORE);
        return t;
    }

    private static final RootDistribution ROOT = new RootDistribution(new int[] {1, 7, 5}, new float[] {0.6f, 0.2f,
        0.1f});

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
        TokenTree t = sample().prune(ROOT, 8, 0, 100);
        assertThat(t.size()).isEqualTo(6);
        assertThat(scoreOf(t, 1)).isCloseTo(0.6, within(1e-6));
        assertThat(scoreOf(t, 1, 2)).isCloseTo(0.6, within(1e-6));
        assertThat(scoreOf(t, 1, 2, 3)).isCloseTo(0.45, within(1e-6));
        assertThat(scoreOf(t, 1, 2, 4)).isCloseTo(0.15, within(1e-6));
        assertThat(scoreOf(t, 5)).isCloseTo(0.1, within(1e-6));
        assertThat(t.sources(t.child(0, 1))).containsExactly(Source.DATASTORE);
    }

    @Test
    void pathsWhoseFirstTokenIsOutsideTheDraftsTopKOrBelowTheMinimumProbabilityArePruned() {
        assertThat(sample().prune(ROOT, 2, 0, 100).paths()).noneMatch(p -> p[0] == 5);   // 5 has rank 2
        assertThat(sample().prune(ROOT, 8, 0.15, 100).paths()).noneMatch(p -> p[0] == 5);
        RetrievalTree unknown = new RetrievalTree(100);
        unknown.add(new int[] {42, 43}, 5, Source.PLD);   // not in the draft's top-m at all
        assertThat(unknown.prune(ROOT, 8, 0, 100).size()).isEqualTo(1);
    }

    @Test
    void theNodeBudgetKeepsTheBestScoredNodesAsATree() {
        TokenTree t = sample().prune(ROOT, 8, 0, 3);
        assertThat(t.size()).isEqualTo(4);
        assertThat(t.paths()).containsExactly(new int[] {1, 2, 3});
        assertThat(sample().prune(ROOT, 8, 0, 0).size()).isEqualTo(1);
    }

    @Test
    void withoutADraftFirstLevelNodesScoreTheirShareOfCandidates() {
        TokenTree t = sample().prune(null, 1, 0.99, 100);   // pruning knobs need a draft: ignored
        assertThat(scoreOf(t, 1)).isCloseTo(0.8, within(1e-9));
        assertThat(scoreOf(t, 1, 2, 4)).isCloseTo(0.2, within(1e-9));
        assertThat(scoreOf(t, 5)).isCloseTo(0.2, within(1e-9));
    }

    @Test
    void fusionMergesSharedPrefixesKeepsSourcesAndHonoursTheBudget() {
        TokenTree draft = new TokenTree(100);
        int a = draft.insertChild(0, 1, 0.9, Source.DRAFT);
        draft.insertChild(a, 2, 0.5, Source.DRAFT);
        draft.insertChild(a, 3, 0.3, Source.DRAFT);
        TokenTree pld = new TokenTree(100);
        pld.insert(new int[] {1, 2, 9}, new double[] {0.9, 0.9, 0.8}, Source.PLD);
        TokenTree store = new TokenTree(100);
        store.insert(new int[] {1, 3}, new double[] {0.9, 0.4}, Source.DATASTORE);

        TokenTree fused = TreeFusion.fuse(draft, 100, pld, store);
        assertThat(fused.size()).isEqualTo(5);
        int n1 = fused.child(0, 1);
        int n2 = fused.child(n1, 2);
        int n3 = fused.child(n1, 3);
        assertThat(fused.sources(n1)).containsExactlyInAnyOrder(Source.DRAFT, Source.PLD, Source.DATASTORE);
        assertThat(fused.sources(n2)).containsExactlyInAnyOrder(Source.DRAFT, Source.PLD);
        assertThat(fused.sources(n3)).containsExactlyInAnyOrder(Source.DRAFT, Source.DATASTORE);
        assertThat(fused.sources(fused.child(n2, 9))).containsExactly(Source.PLD);
        assertThat(fused.score(n2)).isEqualTo(0.9);   // the better of the draft's and prompt lookup's scores

        TokenTree small = TreeFusion.fuse(draft, 100, pld, store).prune(2);
        assertThat(small.paths()).containsExactly(new int[] {1, 2});
        assertThat(TreeFusion.fuse(new TokenTree(100), 3, pld, store).size()).isEqualTo(4);
    }

    @Test
    void fusionWithNothingToFuseReturnsTheDraftTree() {
        TokenTree draft = new TokenTree(7);
        draft.insert(new int[] {1, 2}, 0.5, Source.DRAFT);
        assertThat(TreeFusion.fuse(draft, 10).paths()).containsExactly(new int[] {1, 2});
        assertThat(TreeFusion.fuse(draft, 10, (TokenTree) null).size()).isEqualTo(3);
        assertThat(List.of(draft.tokens())).hasSize(1);
    }
}
