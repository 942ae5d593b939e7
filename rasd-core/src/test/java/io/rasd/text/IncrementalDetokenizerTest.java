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
    void aLongRunOfInvalidBytesComesOutAsItGoesWithOnlyTheLastFewTokensHeldBack() {
        int[] ids = new int[500];
        java.util.Arrays.fill(ids, byteToken(0xFF));
        java.util.List<String> deltas = new java.util.ArrayList<>();
        assertThat(stream(ids, true, deltas)).isEqualTo("\uFFFD".repeat(500)).isEqualTo(tokenizer.decode(ids, true));
        // a short run is held back (a later byte might still complete it) ...
        assertThat(deltas.subList(0, IncrementalDetokenizer.MAX_HELD))
                .allSatisfy(d -> assertThat(d).isEmpty());
        // ... a long one is emitted up to the last few tokens, which no later byte can reach back past
        int shown = 0;
        for (int i = 0; i < 500; i++) {
            shown += deltas.get(i).length();
            assertThat(i + 1 - shown)
                    .as("held back after token %d", i)
                    .isLessThanOrEqualTo(IncrementalDetokenizer.MAX_HELD);
        }
    }

    /**
     * 20,000 bytes that are never UTF-8: the work (token ids passed to decode) is linear in the run. Before, every
     * push re-decoded the whole held-back run: 20,000 tokens meant about 2 * 10^8 ids decoded, 25 s on one core.
     * The bound is on the work rather than on wall time, which depends on the machine and its load.
     */
    @Test
    void aRunOf20000InvalidBytesCostsWorkLinearInTheRun() {
        int n = 20_000;
        int ff = byteToken(0xFF);
        IncrementalDetokenizer d = new IncrementalDetokenizer(tokenizer, true);
        StringBuilder out = new StringBuilder();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            out.append(d.push(ff));
        }
        out.append(d.flush());
        long nanos = System.nanoTime() - t0;
        assertThat(out.toString()).isEqualTo("\uFFFD".repeat(n));
        System.out.printf(
                "IncrementalDetokenizer: %d invalid bytes in %.3f s, %d ids decoded (%.1f per token)%n",
                n, nanos / 1e9, d.decodedIds(), d.decodedIds() / (double) n);
        assertThat(d.decodedIds()).as("ids decoded").isLessThan(64L * n);
    }

    @Test
    void theWorkPerTokenStaysBoundedForRandomBytesAndValidText() {
        java.util.Random random = new java.util.Random(21);
        int n = 5_000;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = byteToken(random.nextInt(256));
        }
        IncrementalDetokenizer d = new IncrementalDetokenizer(tokenizer, true);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(d.push(id));
        }
        out.append(d.flush());
        assertThat(out.toString()).isEqualTo(tokenizer.decode(ids, true));
        assertThat(d.decodedIds()).isLessThan(64L * n);
    }

    /**
     * Byte sequences mixing ASCII, whole and cut-off multi-byte characters, stray continuation bytes and bytes never
     * valid in UTF-8, in runs short and long: the streamed text is always HF's decode of the whole sequence.
     */
    @Test
    void mixedValidAndInvalidBytesStreamExactlyAsTheWholeDecode() {
        java.util.Random random = new java.util.Random(4);
        byte[][] pieces = {
            "a".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            " the".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "é".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "€".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "中".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "🙂".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            {(byte) 0xFF},
            {(byte) 0x80},
            {(byte) 0xE2, (byte) 0x82},
            {(byte) 0xF0, (byte) 0x9F, (byte) 0x99},
            {(byte) 0xC0, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        };
        for (int round = 0; round < 300; round++) {
            java.util.List<Integer> list = new java.util.ArrayList<>();
            int length = 1 + random.nextInt(round % 3 == 0 ? 60 : 12);
            for (int i = 0; i < length; i++) {
                byte[] piece = pieces[random.nextInt(pieces.length)];
                int repeat = random.nextInt(8) == 0 ? 1 + random.nextInt(12) : 1;
                for (int r = 0; r < repeat; r++) {
                    for (byte b : piece) {
                        list.add(byteToken(b & 0xFF));
                    }
                }
            }
            int[] ids = list.stream().mapToInt(Integer::intValue).toArray();
            for (boolean skip : new boolean[] {true, false}) {
                assertThat(stream(ids, skip, new java.util.ArrayList<>()))
                        .as(java.util.Arrays.toString(ids))
                        .isEqualTo(tokenizer.decode(ids, skip));
            }
        }
    }
}
