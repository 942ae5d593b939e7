package io.rasd.peers.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.model.Checkpoint;
import io.rasd.model.TensorData;
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
    void f16StoresTheWeightMatricesInF16AndKeepsNormsInF32AsLlamaCppsConverterDoes() throws IOException {
        Path dir = TestData.hf("llama-gqa-f32");
        Path out = tmp.resolve("m.f16.gguf");
        GgufExporter.export(dir, out, true);
        GgufTestReader r = new GgufTestReader(out);
        assertThat(r.metadata).containsEntry("general.file_type", 1L); // LLAMA_FTYPE_MOSTLY_F16
        assertThat(r.tensors).hasSize(21);
        for (GgufTestReader.Info t : r.tensors.values()) {
            boolean matrix = t.ne().length == 2;
            assertThat(t.type()).as(t.name()).isEqualTo(matrix ? 1 : 0);
            assertThat(t.name().endsWith("_norm.weight")).as(t.name()).isEqualTo(!matrix);
            assertThat(t.offset() % GgufWriter.ALIGNMENT).isZero();
        }
        assertThat(r.tensors.get("token_embd.weight").type()).isEqualTo(1);
        assertThat(r.tensors.get("output.weight").type()).isEqualTo(1);
        // matrices at 2 bytes a parameter, the 1-D norms (2 x 2 x 64 + 64 values) at 4
        long matrices = 512 * 64 * 2 + 2 * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 160);
        long norms = 2 * 2 * 64 + 64;
        long payload = matrices * 2 + norms * 4;
        assertThat(Files.size(out)).isBetween(payload, payload + 64_000 + 21 * 32);

        // q rows are permuted in f32 and then rounded: the stored halves are exactly that
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            TensorData q = ckpt.tensor("model.layers.1.self_attn.q_proj.weight");
            ByteBuffer expected = Half.fromF32(GgufExporter.permuteRows(q.toF32(), q.shape(), 4));
            int bytes = expected.remaining();
            assertThat(bytes).isEqualTo(64 * 64 * 2);
            assertThat(r.data("blk.1.attn_q.weight", bytes)).isEqualTo(expected);
            TensorData norm = ckpt.tensor("model.norm.weight");
            assertThat(r.data("output_norm.weight", 64 * 4))
                    .isEqualTo(norm.toF32().duplicate().order(ByteOrder.LITTLE_ENDIAN));
        }
        GgufTestReader f32 = new GgufTestReader(writeF32());
        assertThat(f32.metadata).containsEntry("general.file_type", 0L);
        assertThat(f32.tensors.values()).allSatisfy(t -> assertThat(t.type()).isZero());
    }

    private Path writeF32() {
        Path out = tmp.resolve("m.f32.gguf");
        GgufExporter.export(TestData.hf("llama-gqa-f32"), out, GgufPrecision.F32);
        return out;
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
