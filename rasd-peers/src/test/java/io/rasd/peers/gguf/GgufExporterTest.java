package io.rasd.peers.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The export's layout rules and its refusals; that llama.cpp computes our outputs from it is LlamaCppPeerTest's. */
class GgufExporterTest {

    @TempDir
    Path tmp;

    @Test
    void ropeRowsOfEachHeadAreInterleavedAsLlamaCppsConverterDoes() {
        // 2 heads of width 4, 1 column: rows per head [a0 a1 | b0 b1] become [a0 b0 a1 b1]
        float[] rows = {0, 1, 2, 3, 10, 11, 12, 13};
        ByteBuffer in = ByteBuffer.allocate(rows.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        in.asFloatBuffer().put(rows);
        ByteBuffer out = GgufExporter.permuteRows(in, new long[] {8, 1}, 2);
        float[] got = new float[8];
        out.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        assertThat(got).containsExactly(0, 2, 1, 3, 10, 12, 11, 13);
    }

    @Test
    void theFileStartsWithTheGgufV3HeaderAndAlignsItsData() throws IOException {
        Path out = tmp.resolve("m.gguf");
        GgufExporter.export(TestData.hf("llama-gqa-f32"), out);
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(head.getInt()).isEqualTo(GgufWriter.MAGIC);
        assertThat(head.getInt()).isEqualTo(3);
        assertThat(head.getLong())
                .as("tensors: embedding, 9 per layer x 2, norm, lm head")
                .isEqualTo(21);
        // f32 payload: every parameter once, plus the header, metadata and at most 32 bytes of padding per tensor
        long params = 512 * 64 * 2 + 2 * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 160 + 2 * 64) + 64;
        assertThat(Files.size(out)).isBetween(params * 4, params * 4 + 64_000 + 21 * 32);
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files).as("no temporary file left").containsExactly(out);
        }
    }

    @Test
    void otherArchitecturesAreRefusedByName() {
        assertThatThrownBy(() -> GgufExporter.export(TestData.hf("qwen2-tied-f32"), tmp.resolve("q.gguf")))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("QWEN2")
                .hasMessageContaining("LlamaForCausalLM");
        assertThat(tmp.resolve("q.gguf")).doesNotExist();
    }

    @Test
    void aTokenizerThatIsNotByteLevelBpeIsRefusedNamingTheFile() throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(TestData.hf("llama-gqa-f32"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        String json = Files.readString(dir.resolve("tokenizer.json"));
        Files.writeString(
                dir.resolve("tokenizer.json"), json.replaceFirst("\"type\":\\s*\"BPE\"", "\"type\": \"Unigram\""));
        assertThatThrownBy(() -> GgufExporter.export(dir, tmp.resolve("u.gguf")))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(dir.resolve("tokenizer.json").toString())
                .hasMessageContaining("byte-level BPE");
    }
}
