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

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
