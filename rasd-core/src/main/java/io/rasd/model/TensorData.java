package io.rasd.model;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its element type, shape and a read-only little-endian view of its bytes (a
 * mapping of exactly this tensor's region). Never written to: in-place ops on a read-only mapping crash the JVM.
 */
public record TensorData(String name, DType dtype, long[] shape, ByteBuffer bytes, String file) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * The values as little-endian f32: this tensor's own mapping when it is f32 (no copy), else a widened copy. For
     * converters that need the numbers outside an engine (the GGUF exporter); the engine widens in {@link LlamaWeights}.
     */
    public ByteBuffer toF32() {
        return switch (dtype) {
            case I64, BOOL -> throw notFloat(this);
            case F32 -> bytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            case BF16 ->
                LlamaWeights.widenBf16(bytes, Math.toIntExact(elementCount())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            case F16 ->
                LlamaWeights.widenF16(bytes, Math.toIntExact(elementCount())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        };
    }

    /** The values of an I64 tensor (an index table such as an EAGLE-3 head's {@code d2t}). */
    public long[] toLongs() {
        if (dtype != DType.I64) {
            throw new io.rasd.RasdException(
                    file + ": tensor \"" + name + "\" has dtype " + dtype + "; expected I64 (an index table)");
        }
        long[] out = new long[Math.toIntExact(elementCount())];
        bytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /** The error for a weight stored as integers or flags. */
    static io.rasd.RasdException notFloat(TensorData t) {
        return new io.rasd.RasdException(t.file() + ": tensor \"" + t.name() + "\" has dtype " + t.dtype()
                + "; expected a weight in F32, F16 or BF16");
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
