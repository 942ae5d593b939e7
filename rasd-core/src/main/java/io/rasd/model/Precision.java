package io.rasd.model;

import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The element type a model's weights and KV cache are held in ({@code --dtype}, {@code rasd.dtype}). The residual
 * stream, norms, softmax and sampling stay f32 whatever is chosen; half types halve the memory of weights and cache,
 * and are faster only where the CPU computes them natively.
 *
 * <p>{@link #AUTO} keeps a half checkpoint in bf16 where the CPU has native bf16 dot products (AVX512-BF16 or AMX,
 * read from {@code /proc/cpuinfo}) and in f32 otherwise: measured on an AVX2-only AMD EPYC, a bf16 projection of 32
 * rows runs 4-8x slower than f32 (oneDNN falls back to emulation there), while on an AVX512-BF16 EPYC it ran 3-5x
 * faster (docs/architecture.md §9). An f32 checkpoint stays f32.
 */
public enum Precision {
    AUTO,
    F32,
    BF16,
    F16;

    /** {@code auto}, {@code f32}, {@code bf16} or {@code f16} (case-insensitive); {@code what} names the option. */
    public static Precision parse(String value, String what) {
        if (value != null) {
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "auto":
                    return AUTO;
                case "f32", "float32":
                    return F32;
                case "bf16", "bfloat16":
                    return BF16;
                case "f16", "float16", "fp16":
                    return F16;
                default:
                    break;
            }
        }
        throw new RasdException(what + " must be auto, f32, bf16 or f16, got \"" + value + "\"");
    }

    /** The lower-case name the options take. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether weights of this type are held in 2 bytes. */
    public boolean isHalf() {
        return this == BF16 || this == F16;
    }

    /**
     * What {@link #AUTO} means for a checkpoint stored as {@code stored} on this machine; any other value is itself.
     */
    public Precision resolve(DType stored) {
        if (this != AUTO) {
            return this;
        }
        if (stored.isFloat() && stored != DType.F32 && CpuFeatures.NATIVE_BF16) {
            return BF16;
        }
        return F32;
    }

    /** CPU flags read once: where bf16 runs natively. */
    static final class CpuFeatures {

        private static final Pattern FLAGS = Pattern.compile("^flags\\s*:\\s*(.*)$", Pattern.MULTILINE);

        private static final Set<String> FLAGS_HERE = readFlags(Path.of("/proc/cpuinfo"));

        static final boolean NATIVE_BF16 = hasNativeBf16(FLAGS_HERE);

        /** Where libtorch's oneDNN runs bf16 matmuls itself, so a packed bf16 projection is safe and fast. */
        static final boolean ONEDNN_BF16 = hasOneDnnBf16(FLAGS_HERE);

        private CpuFeatures() {}

        static Set<String> readFlags(Path cpuinfo) {
            try {
                var m = FLAGS.matcher(Files.readString(cpuinfo));
                return m.find() ? Set.of(m.group(1).trim().split("\\s+")) : Set.of();
            } catch (IOException | RuntimeException e) {
                return Set.of(); // not Linux, or not readable: assume no native bf16
            }
        }

        static boolean hasNativeBf16(Set<String> flags) {
            return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
        }

        /**
         * The test libtorch makes before it sends a bf16 matmul to oneDNN ({@code mkldnn_bf16_device_check}): AVX512
         * BW, VL and DQ, or AVX-NE-CONVERT. Elsewhere (an AVX2-only CPU) it computes bf16 with its own slower
         * kernels, which have no packed layout.
         */
        static boolean hasOneDnnBf16(Set<String> flags) {
            return flags.contains("avx512bw") && flags.contains("avx512vl") && flags.contains("avx512dq")
                    || flags.contains("avx_ne_convert");
        }

        /** The flags that decided, for the log. */
        static String describe() {
            return FLAGS_HERE.stream()
                    .filter(f -> f.startsWith("avx512_bf16") || f.startsWith("amx") || f.equals("avx2"))
                    .sorted()
                    .collect(Collectors.joining(" "));
        }
    }
}
