package io.rasd.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.ByteLevel;
import io.rasd.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IncrementalDetokenizerTest {

    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TestData.hf("tokenizer"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static String stream(int[] ids, boolean skip, java.util.List<String> deltas) {
        IncrementalDetokenizer d = new IncrementalDetokenizer(tokenizer, skip);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String delta = d.push(id);
            deltas.add(delta);
            sb.append(delta);
        }
        String rest = d.flush();
        deltas.add(rest);
        return sb.append(rest).toString();
    }

    @Test
    void streamedTextEqualsFullDecodeAndNeverShowsHalfACharacter() {
        String[] texts = {
            "smile 🙂 and 🎉 party",
            "中文字符测试",
            "Café au lait, naïve résumé",
            "def fib(n):\n    return n\n",
            "Ünïcödé ∑ ∫ √ " + "🙂".repeat(20)
        };
        for (String text : texts) {
            int[] ids = tokenizer.encode(text, true);
            java.util.List<String> deltas = new java.util.ArrayList<>();
            assertThat(stream(ids, false, deltas)).isEqualTo(tokenizer.decode(ids, false));
            assertThat(stream(ids, true, new java.util.ArrayList<>())).isEqualTo(tokenizer.decode(ids, true));
            assertThat(deltas).allSatisfy(d -> assertThat(d).doesNotContain("\uFFFD"));
        }
    }

    @Test
    void emojiSplitAcrossByteTokensIsHeldBackUntilComplete() {
        int[] ids = tokenizer.encode("🙂", false);
        assertThat(ids.length)
                .as("the emoji must span several byte tokens for this test")
                .isGreaterThan(1);
        IncrementalDetokenizer d = new IncrementalDetokenizer(tokenizer, false);
        for (int i = 0; i < ids.length - 1; i++) {
            assertThat(d.push(ids[i])).isEmpty();
        }
        assertThat(d.push(ids[ids.length - 1])).isEqualTo("🙂");
    }

    @Test
    void longStreamsKeepWorkingPastTheInternalBuffer() {
        String text = "abc 🙂 ".repeat(200);
        int[] ids = tokenizer.encode(text, false);
        assertThat(stream(ids, false, new java.util.ArrayList<>())).isEqualTo(text);
    }

    /** A byte token of the byte-level vocabulary (GPT-2's byte-to-character table). */
    private static int byteToken(int b) {
        return tokenizer.tokenId(ByteLevel.charOf(b)).orElseThrow();
    }

    @Test
    void bytesThatAreNotUtf8BecomeReplacementCharactersExactlyWhereHuggingFacePutsThemAndNeverThrow() {
        int a = tokenizer.tokenId("a").orElseThrow();
        int[][] cases = {
            {a, byteToken(0x80), a}, // a lone continuation byte
            {byteToken(0x80)}, // ... and nothing else
            {a, byteToken(0xE2), byteToken(0x82)}, // a character cut off by the end of generation
            {a, byteToken(0xE2), byteToken(0xE2), byteToken(0x82), byteToken(0xAC)}, // a lead byte, then a euro
            {byteToken(0xFF), byteToken(0xFE), a}, // bytes never valid in UTF-8
            {byteToken(0xF0), byteToken(0x9F), a, byteToken(0x99), byteToken(0x82)}, // an emoji interrupted
            {byteToken(0xED), byteToken(0xA0), byteToken(0x80)}, // an encoded surrogate
            {byteToken(0xC0), byteToken(0xAF)}, // an overlong encoding of '/'
        };
        for (int[] ids : cases) {
            for (boolean skip : new boolean[] {true, false}) {
                java.util.List<String> deltas = new java.util.ArrayList<>();
                String streamed = stream(ids, skip, deltas);
                assertThat(streamed)
                        .as(java.util.Arrays.toString(ids))
                        .isEqualTo(tokenizer.decode(ids, skip))
                        .contains("\uFFFD");
                // a replacement character at the end is held back while later bytes might still complete it;
                // only the final flush may end with one
                assertThat(deltas.subList(0, ids.length))
                        .allSatisfy(d -> assertThat(d).doesNotEndWith("\uFFFD"));
            }
        }
    }

    @Test
    void aLongRunOfInvalidBytesIsHeldBackUntilTheEndAndThenShownWhole() {
        int[] ids = new int[500];
        java.util.Arrays.fill(ids, byteToken(0xFF));
        java.util.List<String> deltas = new java.util.ArrayList<>();
        assertThat(stream(ids, true, deltas)).isEqualTo("\uFFFD".repeat(500)).isEqualTo(tokenizer.decode(ids, true));
        // every push ended in U+FFFD, which a later byte might still have completed
        assertThat(deltas.subList(0, 500)).allSatisfy(d -> assertThat(d).isEmpty());
    }
}
