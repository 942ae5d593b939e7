package io.rasd.model;

import io.rasd.RasdException;

/** Safetensors element types rasd reads. Half types are widened to f32 at load time (bf16 NDArrays abort the JVM). */
public enum DType {
    F32(4),
    F16(2),
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    static DType parse(String s, String tensor, String file) {
        return switch (s) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default ->
                throw new RasdException(file + ": tensor \"" + tensor + "\" has dtype " + s
                        + "; expected F32, F16 or BF16 (quantised checkpoints are not supported)");
        };
    }
}
