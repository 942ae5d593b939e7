package io.rasd.text;

import static org.assertj.core.api.Assertions.assertThat;

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
        String[] texts = {"smile 🙂 and 🎉 party", "中文字符测试", "Café au lait, naïve résumé",
            "def fib(n):\n    return n\n", "Ünïcödé ∑ ∫ √ " + "🙂".repeat(20)};
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
        assertThat(ids.length).as("the emoji must span several byte tokens for this test").isGreaterThan(1);
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
}
