package io.rasd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AnswerOverlapTest {

    private static final String SECTION = "Use the wc program, or read the file and count the newlines:\n\n"
            + "    $lines = 0;\n    while (<FILE>) { $lines++ }";

    @Test
    void aVerbatimQuoteScoresOne() {
        assertThat(AnswerOverlap.of("read the file and count the newlines:", SECTION))
                .isEqualTo(1.0);
    }

    @Test
    void wordsOutOfTheSectionsOrderOrNotInItLowerTheShare() {
        // 4 of 6 words follow the section's order ("the", "file", "count", "newlines:")
        assertThat(AnswerOverlap.of("the file banana count apple newlines:", SECTION))
                .isCloseTo(4 / 6.0, within(1e-9));
        assertThat(AnswerOverlap.of("newlines: count the file", SECTION)).isCloseTo(2 / 4.0, within(1e-9));
        assertThat(AnswerOverlap.of("nothing here matches", SECTION)).isZero();
    }

    @Test
    void aTasksShareWeighsAnswersByTheirWords() {
        AnswerOverlap o = new AnswerOverlap();
        o.add("read the file", SECTION); // 3 of 3
        o.add("a b c d e f g", SECTION); // 0 of 7
        assertThat(o.ratio()).isCloseTo(3 / 10.0, within(1e-9));
        assertThat(new AnswerOverlap().ratio()).isZero();
    }
}
