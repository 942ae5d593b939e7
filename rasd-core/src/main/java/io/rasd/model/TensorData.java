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
            case F32 -> bytes.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            case BF16 ->
                LlamaWeights.widenBf16(bytes, Math.toIntExact(elementCount())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            case F16 ->
                LlamaWeights.widenF16(bytes, Math.toIntExact(elementCount())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        };
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
