package io.rasd.model;

import io.rasd.RasdException;

/**
 * Safetensors element types rasd reads. Half types are widened to f32 at load time (bf16 NDArrays abort the JVM). The
 * integer and boolean types hold index tables, never weights: an EAGLE-3 head's {@code d2t} (I64) and {@code t2d}
 * (BOOL).
 */
public enum DType {
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** Whether tensors of this type hold real numbers (weights) rather than indices or flags. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    static DType parse(String s, String tensor, String file) {
        return switch (s) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "I64" -> I64;
            case "BOOL" -> BOOL;
            default ->
                throw new RasdException(file + ": tensor \"" + tensor + "\" has dtype " + s
                        + "; expected F32, F16 or BF16 (or I64/BOOL for index tables; quantised checkpoints are not"
                        + " supported)");
        };
    }
}
