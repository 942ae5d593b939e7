package io.rasd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TrainDemoModelsV2Test {

    /** A stream of distinct ids, so every token says where in the stream it came from. */
    private static final int[] STREAM = IntStream.range(0, 100_000).toArray();

    @Test
    void ragCopyRowsAreTwoSourceWindowsThenSpansOfThemWeightedForCopying() {
        TrainDemoModelsV2.WeightedBatch b = TrainDemoModelsV2.ragCopyBatch(STREAM, new SplittableRandom(3), 8, 512);
        assertThat(b.ids()).hasNumberOfRows(8);
        for (int r = 0; r < 8; r++) {
            int[] row = b.ids()[r];
            float[] w = b.weights()[r];
            assertThat(row).hasSize(513);
            assertThat(w).hasSize(513);
            // the sources: two runs of consecutive ids, 64 to 224 long, weighted as plain text
            int firstLen = runLength(row, 0);
            int secondLen = runLength(row, firstLen);
            assertThat(firstLen).isBetween(64, 224);
            assertThat(secondLen).isBetween(64, 224);
            int sources = firstLen + secondLen;
            for (int c = 1; c < sources; c++) {
                assertThat(w[c]).isEqualTo(TrainDemoModelsV2.SOURCE_WEIGHT);
            }
            // every later token comes from one of the sources; a span's first token weighs 0, the rest 1
            for (int c = sources; c < row.length; c++) {
                boolean inFirst = row[c] >= row[0] && row[c] < row[0] + firstLen;
                boolean inSecond = row[c] >= row[firstLen] && row[c] < row[firstLen] + secondLen;
                assertThat(inFirst || inSecond).as("row %d column %d", r, c).isTrue();
                boolean continues = row[c] == row[c - 1] + 1;
                assertThat(w[c]).as("row %d column %d", r, c).isEqualTo(continues ? 1f : 0f);
            }
            assertThat(w[0]).isZero();
        }
    }

    @Test
    void rowsTooShortForBothSourcesAreRefused() {
        assertThatThrownBy(() -> TrainDemoModelsV2.ragCopyBatch(STREAM, new SplittableRandom(3), 1, 256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("copy rows of 256 tokens");
    }

    @Test
    void copyOnlyKeepsTheCopiedTokensAlone() {
        float[][] w = {{0f, 0.25f, 0.25f, 0f, 1f, 1f}};
        assertThat(TrainDemoModelsV2.copyOnly(w)[0]).containsExactly(0f, 0f, 0f, 0f, 1f, 1f);
        assertThat(w[0][1]).isEqualTo(0.25f);
    }

    private static int runLength(int[] row, int from) {
        int n = 1;
        while (from + n < row.length && row[from + n] == row[from + n - 1] + 1) {
            n++;
        }
        return n;
    }
}
