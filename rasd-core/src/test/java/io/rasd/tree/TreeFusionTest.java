package io.rasd.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The paper's tree fusion on hand-built trees: longest-prefix insertion, origins united, the better score kept. */
class TreeFusionTest {

    private static TokenTree draftTree() {
        TokenTree draft = new TokenTree(100);
        int a = draft.insertChild(0, 1, 0.9, TokenOrigin.DRAFT);
        draft.insertChild(a, 2, 0.5, TokenOrigin.DRAFT);
        draft.insertChild(a, 3, 0.3, TokenOrigin.DRAFT);
        return draft;
    }

    private static TokenTree pld() {
        TokenTree pld = new TokenTree(100);
        pld.insert(new int[] {1, 2, 9}, new double[] {0.9, 0.9, 0.8}, TokenOrigin.PLD);
        return pld;
    }

    private static TokenTree store() {
        TokenTree store = new TokenTree(100);
        store.insert(new int[] {1, 3}, new double[] {0.9, 0.4}, TokenOrigin.DATASTORE);
        return store;
    }

    @Test
    void sharedPrefixesBecomeOneNodeCarryingEveryOrigin() {
        TokenTree fused = TreeFusion.fuse(draftTree(), pld(), store());
        assertThat(fused.size()).isEqualTo(5);
        int n1 = fused.child(0, 1);
        int n2 = fused.child(n1, 2);
        int n3 = fused.child(n1, 3);
        assertThat(fused.origins(n1))
                .containsExactlyInAnyOrder(TokenOrigin.DRAFT, TokenOrigin.PLD, TokenOrigin.DATASTORE);
        assertThat(fused.origins(n2)).containsExactlyInAnyOrder(TokenOrigin.DRAFT, TokenOrigin.PLD);
        assertThat(fused.origins(n3)).containsExactlyInAnyOrder(TokenOrigin.DRAFT, TokenOrigin.DATASTORE);
        assertThat(fused.origins(fused.child(n2, 9))).containsExactly(TokenOrigin.PLD);
    }

    @Test
    void aSharedNodeKeepsTheBetterScore() {
        TokenTree fused = TreeFusion.fuse(draftTree(), pld(), store());
        int n1 = fused.child(0, 1);
        assertThat(fused.score(fused.child(n1, 2))).isEqualTo(0.9); // prompt lookup's 0.9 beats the draft's 0.5
        assertThat(fused.score(fused.child(n1, 3))).isEqualTo(0.4); // the datastore's 0.4 beats the draft's 0.3
    }

    @Test
    void theDivergingRestOfARetrievedPathHangsUnderTheLastSharedNode() {
        TokenTree fused = TreeFusion.fuse(draftTree(), pld());
        assertThat(fused.paths()).containsExactlyInAnyOrder(new int[] {1, 2, 9}, new int[] {1, 3});
        int n9 = fused.child(fused.child(fused.child(0, 1), 2), 9);
        assertThat(fused.depth(n9)).isEqualTo(3);
        assertThat(fused.parent(n9)).isEqualTo(fused.child(fused.child(0, 1), 2));
    }

    @Test
    void fusionKeepsEveryNodeAndTrimmingToABudgetIsSeparate() {
        TokenTree fused = TreeFusion.fuse(draftTree(), pld(), store());
        assertThat(fused.size()).isEqualTo(5);
        assertThat(fused.trimTo(2).paths()).containsExactly(new int[] {1, 2});
        assertThat(TreeFusion.fuse(new TokenTree(100), pld(), store()).size()).isEqualTo(5);
    }

    @Test
    void theResultStaysTopologicalSoItCanBeVerifiedInOneForward() {
        TokenTree fused = TreeFusion.fuse(draftTree(), pld(), store());
        int[] parents = fused.parents();
        assertThat(parents[0]).isEqualTo(-1);
        for (int i = 1; i < parents.length; i++) {
            assertThat(parents[i]).as("parent of node %d", i).isBetween(0, i - 1);
        }
    }

    @Test
    void withNothingToFuseTheDraftTreeIsReturnedAsItIs() {
        TokenTree draft = new TokenTree(7);
        draft.insert(new int[] {1, 2}, 0.5, TokenOrigin.DRAFT);
        assertThat(TreeFusion.fuse(draft).paths()).containsExactly(new int[] {1, 2});
        assertThat(TreeFusion.fuse(draft, (TokenTree) null).size()).isEqualTo(3);
    }

    @Test
    void treesUnderDifferentRootsAreRefused() {
        assertThatThrownBy(() -> TreeFusion.fuse(new TokenTree(1), new TokenTree(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different roots");
    }
}
