package io.rasd.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

    static Tokenizer tokenizer;
    static JsonArray golden;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(TestData.hf("tokenizer"));
        golden = JsonParser.parseString(
                        Files.readString(TestData.hf("tokenizer").resolve("text_golden.json")))
                .getAsJsonArray();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    @Test
    void encodeMatchesHuggingFaceWithAndWithoutSpecialTokens() {
        for (JsonElement e : golden) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            assertThat(tokenizer.encode(text, true))
                    .as(text)
                    .containsExactly(ints(c.getAsJsonArray("ids_with_special")));
            assertThat(tokenizer.encode(text, false))
                    .as(text)
                    .containsExactly(ints(c.getAsJsonArray("ids_no_special")));
        }
    }

    @Test
    void decodeMatchesHuggingFace() {
        for (JsonElement e : golden) {
            JsonObject c = e.getAsJsonObject();
            assertThat(tokenizer.decode(ints(c.getAsJsonArray("ids_no_special")), false))
                    .isEqualTo(c.get("decoded").getAsString());
        }
    }

    @Test
    void longTextIsNeverTruncated() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(600);
        int[] ids = tokenizer.encode(text, false);
        assertThat(ids.length).isGreaterThan(5000);
        assertThat(tokenizer.decode(ids, false)).isEqualTo(text);
    }

    @Test
    void specialTokensAndVocabularyAreKnown() {
        assertThat(tokenizer.vocabSize()).isEqualTo(512);
        assertThat(tokenizer.bosToken()).contains("<s>");
        assertThat(tokenizer.eosToken()).contains("</s>");
        assertThat(tokenizer.bosTokenId()).hasValue(0);
        assertThat(tokenizer.eosTokenId()).hasValue(1);
        assertThat(tokenizer.tokenId("<|im_start|>")).isPresent();
        assertThat(tokenizer.isSpecial(tokenizer.tokenId("<|im_end|>").getAsInt()))
                .isTrue();
        assertThat(tokenizer.isSpecial(100)).isFalse();
        assertThat(tokenizer.decode(new int[] {0, 100, 1}, true)).isEqualTo(tokenizer.decode(new int[] {100}, false));
    }

    @Test
    void fingerprintIdentifiesTheVocabularyNotTheFile(@TempDir Path tmp) throws IOException {
        try (Tokenizer copy = Tokenizer.load(TestData.hf("qwen3-bf16"))) {
            assertThat(copy.fingerprint()).isEqualTo(tokenizer.fingerprint());
        }
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        String json = Files.readString(TestData.hf("tokenizer").resolve("tokenizer.json"));
        // reformatting does not change the vocabulary ...
        Files.writeString(
                other.resolve("tokenizer.json"), JsonParser.parseString(json).toString());
        try (Tokenizer same = Tokenizer.load(other)) {
            assertThat(same.fingerprint()).isEqualTo(tokenizer.fingerprint());
        }
        // ... renaming one token does
        Files.writeString(other.resolve("tokenizer.json"), json.replace("\"<|im_end|>\"", "\"<|im_stop|>\""));
        try (Tokenizer changed = Tokenizer.load(other)) {
            assertThat(changed.fingerprint()).isNotEqualTo(tokenizer.fingerprint());
        }
    }

    @Test
    void missingOrCorruptTokenizerIsNamed(@TempDir Path tmp) throws IOException {
        assertThatThrownBy(() -> Tokenizer.load(tmp))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("tokenizer.json");
        Files.writeString(tmp.resolve("tokenizer.json"), "{ not json");
        assertThatThrownBy(() -> Tokenizer.load(tmp))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("tokenizer.json");
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        assertThatThrownBy(() -> Tokenizer.load(tmp))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("model.vocab");
    }

    /** A tokenizer.json with {@code content}, alone in a fresh folder. */
    private static Path withTokenizerJson(Path tmp, String name, byte[] content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.write(dir.resolve("tokenizer.json"), content);
        return dir;
    }

    private static Path withTokenizerJson(Path tmp, String name, String content) throws IOException {
        return withTokenizerJson(tmp, name, content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void corruptTokenizerFilesAreNamedWithTheEntryThatIsWrong(@TempDir Path tmp) throws IOException {
        String real = Files.readString(TestData.hf("tokenizer").resolve("tokenizer.json"));
        String bpe = "{\"model\": {\"type\": \"BPE\", \"vocab\": %s, \"merges\": []}%s}";
        record Case(String name, byte[] json, String... expected) {}
        java.util.List<Case> cases = java.util.List.of(
                new Case(
                        "truncated",
                        real.substring(0, real.length() / 2).getBytes(StandardCharsets.UTF_8),
                        "not a valid JSON object"),
                new Case("empty", new byte[0], "not a valid JSON object"),
                new Case("not-utf8", new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}, "not UTF-8"),
                new Case(
                        "id-not-a-number",
                        String.format(bpe, "{\"a\": \"x\"}", "").getBytes(StandardCharsets.UTF_8),
                        "malformed model.vocab[\"a\"]",
                        "not a number"),
                new Case(
                        "negative-id",
                        String.format(bpe, "{\"a\": 0, \"b\": -3}", "").getBytes(StandardCharsets.UTF_8),
                        "malformed model.vocab[\"b\"]",
                        "-3"),
                new Case(
                        "id-beyond-int",
                        String.format(bpe, "{\"a\": 2147483647}", "").getBytes(StandardCharsets.UTF_8),
                        "malformed model.vocab[\"a\"]",
                        "outside"),
                new Case(
                        "fractional-id",
                        String.format(bpe, "{\"a\": 1.5}", "").getBytes(StandardCharsets.UTF_8),
                        "model.vocab[\"a\"]"),
                new Case(
                        "vocab-a-number",
                        String.format(bpe, "5", "").getBytes(StandardCharsets.UTF_8),
                        "malformed model.vocab"),
                new Case(
                        "unigram-piece-not-a-pair",
                        "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0], 7]}}"
                                .getBytes(StandardCharsets.UTF_8),
                        "malformed model.vocab[1]"),
                new Case(
                        "added-token-without-id",
                        String.format(bpe, "{\"a\": 0}", ", \"added_tokens\": [{\"content\": \"<s>\"}]")
                                .getBytes(StandardCharsets.UTF_8),
                        "malformed added_tokens[0]"),
                new Case(
                        "added-token-not-an-object",
                        String.format(bpe, "{\"a\": 0}", ", \"added_tokens\": [{\"id\": 1, \"content\": \"<s>\"}, 5]")
                                .getBytes(StandardCharsets.UTF_8),
                        "malformed added_tokens[1]"),
                new Case(
                        "empty-vocabulary",
                        String.format(bpe, "{}", "").getBytes(StandardCharsets.UTF_8),
                        "vocabulary",
                        "empty"),
                new Case(
                        "unknown-model-type",
                        real.replaceFirst("\"type\": *\"BPE\"", "\"type\": \"Nonsense\"")
                                .getBytes(StandardCharsets.UTF_8),
                        "tokenizers library cannot load"));
        for (Case c : cases) {
            Path dir = withTokenizerJson(tmp, c.name(), c.json());
            assertThatThrownBy(() -> Tokenizer.load(dir).close())
                    .as(c.name())
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining(dir.resolve("tokenizer.json").toString())
                    .hasMessageContainingAll(c.expected());
        }
        Path folder = Files.createDirectories(tmp.resolve("is-a-folder").resolve("tokenizer.json"))
                .getParent();
        assertThatThrownBy(() -> Tokenizer.load(folder))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("tokenizer.json");
        Path badConfig = withTokenizerJson(tmp, "bad-config", real);
        Files.writeString(badConfig.resolve("tokenizer_config.json"), "{\"bos_token\": ");
        assertThatThrownBy(() -> Tokenizer.load(badConfig))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("tokenizer_config.json");
    }
}
