package io.rasd.peers.gguf;

import io.rasd.model.Precision;

/**
 * The element type a GGUF export stores its weight matrices in, as llama.cpp's {@code convert_hf_to_gguf.py
 * --outtype f32|f16} does: {@link #F32} stores every tensor in f32 ({@code general.file_type} 0,
 * LLAMA_FTYPE_ALL_F32); {@link #F16} stores the 2-D weight matrices (embedding, attention and MLP projections, output)
 * in f16 and keeps 1-D tensors (norms, biases, rope_freqs) in f32 (file type 1, LLAMA_FTYPE_MOSTLY_F16).
 */
public enum GgufPrecision {
    F32(GgufWriter.GgmlType.F32, 0),
    F16(GgufWriter.GgmlType.F16, 1);

    private final GgufWriter.GgmlType matrixType;
    private final int fileType;

    GgufPrecision(GgufWriter.GgmlType matrixType, int fileType) {
        this.matrixType = matrixType;
        this.fileType = fileType;
    }

    /** The type 2-D weight matrices are stored in. */
    public GgufWriter.GgmlType matrixType() {
        return matrixType;
    }

    /** {@code general.file_type}: llama.cpp's {@code LLAMA_FTYPE_*}. */
    public int fileType() {
        return fileType;
    }

    /** The lower-case name, as file names and the results' {@code dtype} column spell it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The GGUF that runs a model rasd holds in {@code p}: f16 for either half type (llama.cpp's CPU kernels have no
     * bf16 matrix path that its converter would write by default), f32 otherwise.
     */
    public static GgufPrecision forRasd(Precision p) {
        return p.isHalf() ? F16 : F32;
    }
}
