package io.rasd.peers.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tensor infos carry each tensor's ggml type; data sizes follow the type and every tensor starts aligned. */
class GgufWriterTest {

    @TempDir
    Path tmp;

    @Test
    void ggmlTypeIdsAndSizesAreGgmlsOwn() {
        assertThat(GgufWriter.GgmlType.F32.id()).isZero();
        assertThat(GgufWriter.GgmlType.F32.bytesPerElement()).isEqualTo(4);
        assertThat(GgufWriter.GgmlType.F16.id()).isEqualTo(1);
        assertThat(GgufWriter.GgmlType.F16.bytesPerElement()).isEqualTo(2);
    }

    @Test
    void eachTensorInfoCarriesItsTypeAndEveryTensorStartsAligned() throws IOException {
        // odd sizes, so that every tensor but the first needs padding: 3 x 5 f16 = 30 bytes, 7 f32 = 28 bytes
        ByteBuffer a = halves(3 * 5);
        ByteBuffer b = floats(7);
        ByteBuffer c = halves(1);
        Path out = tmp.resolve("t.gguf");
        new GgufWriter()
                .putString("general.architecture", "llama")
                .addTensor("a", new long[] {3, 5}, GgufWriter.GgmlType.F16, () -> a)
                .addTensor("b", new long[] {7}, () -> b)
                .addTensor("c", new long[] {1, 1}, GgufWriter.GgmlType.F16, () -> c)
                .write(out);
        GgufTestReader r = new GgufTestReader(out);
        assertThat(r.metadata).containsEntry("general.architecture", "llama");
        assertThat(r.tensors.get("a").type()).isEqualTo(1);
        assertThat(r.tensors.get("a").ne()).as("innermost first").containsExactly(5, 3);
        assertThat(r.tensors.get("b").type()).isZero();
        assertThat(r.tensors.get("c").type()).isEqualTo(1);
        assertThat(r.dataStart % GgufWriter.ALIGNMENT).isZero();
        assertThat(r.tensors.get("a").offset()).isZero();
        assertThat(r.tensors.get("b").offset())
                .as("30 bytes of f16, padded to 32")
                .isEqualTo(32);
        assertThat(r.tensors.get("c").offset())
                .as("then 28 bytes of f32, padded")
                .isEqualTo(64);
        assertThat(Files.size(out)).as("the last tensor unpadded").isEqualTo(r.dataStart + 64 + 2);
        assertThat(r.data("a", 30)).isEqualTo(a.duplicate().rewind());
        assertThat(r.data("b", 28)).isEqualTo(b.duplicate().rewind());
        assertThat(r.data("c", 2)).isEqualTo(c.duplicate().rewind());
    }

    @Test
    void dataOfTheWrongSizeForItsTypeIsRefusedAndNoFileAppears() {
        Path out = tmp.resolve("bad.gguf");
        // 4 f32 values where 4 f16 values (8 bytes) are declared
        GgufWriter w = new GgufWriter().addTensor("x", new long[] {4}, GgufWriter.GgmlType.F16, () -> floats(4));
        assertThatThrownBy(() -> w.write(out))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("16 bytes")
                .hasMessageContaining("expected 8 for F16");
        assertThat(out).doesNotExist();
    }

    private static ByteBuffer halves(int n) {
        ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putShort(Half.fromFloat(i + 0.5f));
        }
        return b.flip();
    }

    private static ByteBuffer floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(-i - 0.25f);
        }
        return b.flip();
    }
}
