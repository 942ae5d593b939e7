package io.rasd.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    static final String TEXT = """
            The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.
            def fox(n):
                return [x * 2 for x in range(n)]  # doubles
            Ünïcödé text — with “quotes” and emoji 🦊 survives the byte-level round trip.
            """;

    @Test
    void aTrainedTokenizerLoadsAsHfJsonRoundTripsTextAndLearnsFrequentWords(@TempDir Path dir) {
        BpeTrainer t = new BpeTrainer();
        for (int i = 0; i < 20; i++) {
            t.add(TEXT);
        }
        BpeTrainer.Result r = t.train(400);
        assertThat(r.vocab()).containsEntry("<s>", 0).containsEntry("</s>", 1).containsEntry("<|im_end|>", 5);
        assertThat(r.vocab()).containsKey("Ġfox"); // 'Ġ' is the byte-level space
        BpeTrainer.write(r, dir, 512);
        try (Tokenizer tok = Tokenizer.load(dir)) {
            assertThat(tok.vocabSize()).isEqualTo(r.vocab().size());
            int[] ids = tok.encode(TEXT, false);
            assertThat(tok.decode(ids, false)).isEqualTo(TEXT);
            assertThat(ids.length).isLessThan(TEXT.length() / 2);
            int[] withBos = tok.encode("The fox", true);
            assertThat(withBos[0]).isZero();
            assertThat(tok.tokenId("<|im_start|>")).hasValue(4);
            assertThat(tok.isSpecial(1)).isTrue();
        }
    }
}
