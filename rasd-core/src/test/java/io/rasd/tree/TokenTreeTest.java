package io.rasd.tree;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class TokenTreeTest {

    @Test
    void sharedPrefixesAreMergedAndOriginsKept() {
        TokenTree t = new TokenTree(7);
        assertThat(t.insert(new int[] {1, 2, 3}, 0.9, TokenOrigin.DRAFT)).isEqualTo(3);
        assertThat(t.insert(new int[] {1, 2, 4}, 0.5, TokenOrigin.PLD)).isEqualTo(1);
        assertThat(t.insert(new int[] {1, 2, 3}, 0.3, TokenOrigin.DATASTORE)).isZero();
        assertThat(t.size()).isEqualTo(5);
        int n1 = t.child(0, 1);
        int n2 = t.child(n1, 2);
        assertThat(t.origins(n1)).isEqualTo(EnumSet.of(TokenOrigin.DRAFT, TokenOrigin.PLD, TokenOrigin.DATASTORE));
        assertThat(t.origins(t.child(n2, 4))).containsExactly(TokenOrigin.PLD);
        assertThat(t.origins(t.child(n2, 3))).containsExactly(TokenOrigin.DRAFT, TokenOrigin.DATASTORE);
        assertThat(t.score(n1)).isEqualTo(0.9); // a shared node keeps the best score
        assertThat(t.paths()).containsExactly(new int[] {1, 2, 3}, new int[] {1, 2, 4});
    }

    @Test
    void bestPathFirstLaysTheBestPathOutRightAfterTheRootAndKeepsTheTree() {
        TokenTree t = new TokenTree(7);
        int a = t.insertChild(0, 1, 0.3, TokenOrigin.DRAFT);
        int b = t.insertChild(0, 2, 0.6, TokenOrigin.DRAFT);
        t.insertChild(a, 3, 0.2, TokenOrigin.DRAFT);
        int d = t.insertChild(b, 4, 0.1, TokenOrigin.PLD);
        t.insertChild(b, 5, 0.5, TokenOrigin.DRAFT);
        t.insertChild(d, 6, 0.05, TokenOrigin.PLD);
        TokenTree o = t.bestPathFirst();
        assertThat(o.size()).isEqualTo(t.size());
        assertThat(o.tokens()).containsExactly(7, 2, 5, 4, 6, 1, 3);
        for (int i = 1; i < o.size(); i++) {
            assertThat(o.parent(i)).isLessThan(i);
        }
        assertThat(o.paths()).containsExactlyInAnyOrderElementsOf(t.paths());
        assertThat(o.origins(o.child(o.child(0, 2), 4))).containsExactly(TokenOrigin.PLD);
        assertThat(o.score(1)).isEqualTo(0.6);
    }

    @Test
    void verificationOrderIsTopologicalWithDepthPositions() {
        TokenTree t = new TokenTree(7);
        t.insert(new int[] {1, 2}, 1.0, TokenOrigin.PLD);
        t.insert(new int[] {5}, 0.5, TokenOrigin.PLD);
        t.insert(new int[] {1, 3, 4}, 0.4, TokenOrigin.PLD);
        assertThat(t.tokens()).containsExactly(7, 1, 2, 5, 3, 4);
        assertThat(t.parents()).containsExactly(-1, 0, 1, 0, 1, 4);
        assertThat(t.positions(10)).containsExactly(10, 11, 12, 11, 12, 13);
        for (int i = 1; i < t.size(); i++) {
            assertThat(t.parent(i)).isLessThan(i);
        }
    }

    @Test
    void pruningDropsLowestScoredLeavesFirstAndStaysATree() {
        TokenTree t = new TokenTree(0);
        t.insert(new int[] {1, 2, 3}, new double[] {0.9, 0.8, 0.7}, TokenOrigin.DRAFT);
        t.insert(new int[] {1, 4}, new double[] {0.9, 0.2}, TokenOrigin.PLD);
        t.insert(new int[] {5, 6}, new double[] {0.3, 0.1}, TokenOrigin.PLD);
        TokenTree p = t.trimTo(4);
        assertThat(p.size()).isEqualTo(5);
        assertThat(p.paths()).containsExactlyInAnyOrder(new int[] {1, 2, 3}, new int[] {5});
        TokenTree q = t.trimTo(1);
        assertThat(q.paths()).containsExactly(new int[] {1});
        assertThat(t.trimTo(0).size()).isEqualTo(1);
        assertThat(t.trimTo(100)).isSameAs(t);
        for (int i = 1; i < p.size(); i++) {
            assertThat(p.parent(i)).isLessThan(i);
            assertThat(p.depth(i)).isEqualTo(p.depth(p.parent(i)) + 1);
        }
    }
}
