package io.rasd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DistinctNgramsTest {

    @Test
    void textWithoutRepeatsScoresOne() {
        assertThat(DistinctNgrams.of(new int[] {1, 2, 3, 4, 5, 6}, 4)).isEqualTo(1.0);
    }

    @Test
    void aLoopScoresItsPeriodOverItsLength() {
        // 1 2 3 1 2 3 1 2 3: 6 four-grams, of which 3 distinct (123 1, 231 2, 312 3)
        assertThat(DistinctNgrams.of(new int[] {1, 2, 3, 1, 2, 3, 1, 2, 3}, 4)).isEqualTo(0.5);
    }

    @Test
    void aRepeatedTokenScoresOneOverItsNgrams() {
        assertThat(DistinctNgrams.of(new int[] {7, 7, 7, 7, 7, 7, 7}, 4)).isEqualTo(0.25);
    }

    @Test
    void outputsAreCountedApartAndPooled() {
        DistinctNgrams d = new DistinctNgrams(2);
        d.add(new int[] {1, 2, 3});
        d.add(new int[] {1, 2, 3});
        // the same bigrams in two outputs are distinct within each: 4 of 4
        assertThat(d.ratio()).isEqualTo(1.0);
        d.add(new int[] {5, 5, 5});
        assertThat(d.ratio()).isEqualTo(5.0 / 6.0);
    }

    @Test
    void anOutputShorterThanNHasNoNgramsAndScoresOne() {
        assertThat(DistinctNgrams.of(new int[] {1, 2}, 4)).isEqualTo(1.0);
    }

    @Test
    void nBelowOneIsRefused() {
        assertThatThrownBy(() -> new DistinctNgrams(0)).hasMessageContaining("n must be at least 1");
    }
}
