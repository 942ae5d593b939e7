package io.rasd.peers.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * f32 to IEEE 754 binary16, as numpy's {@code astype(np.float16)} (what llama.cpp's converter calls): round to
 * nearest, ties to even; magnitudes from 65520 up become infinity; results below 2^-14 are subnormal, rounded the same
 * way (2^-25 and below become zero); NaN stays NaN with its sign and top significand bits. rasd-peers compiles for
 * Java 17, which has no {@code Float.floatToFloat16} (Java 20).
 */
final class Half {

    private Half() {}

    /** The binary16 bits of {@code f}. */
    static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int abs = x & 0x7fffffff;
        if (abs >= 0x7f800000) {
            if (abs == 0x7f800000) {
                return (short) (sign | 0x7c00);
            }
            // NaN: the top 10 significand bits, never 0 (that would read as infinity)
            int m = (abs >>> 13) & 0x3ff;
            return (short) (sign | 0x7c00 | (m == 0 ? 1 : m));
        }
        if (abs >= 0x477ff000) {
            // 65520 and up: halfway to 65536 or beyond, which rounds (ties to even: 65504 is odd) past 65504
            return (short) (sign | 0x7c00);
        }
        if (abs >= 0x38800000) {
            // normal: rebias the exponent (127 -> 15), keep 10 significand bits; a carry rolls into the exponent
            int h = (abs - 0x38000000) >>> 13;
            int rest = abs & 0x1fff;
            if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
                h++;
            }
            return (short) (sign | h);
        }
        // subnormal (or zero): the value in units of 2^-24, the smallest subnormal
        int e = abs >>> 23;
        int shift = 126 - e; // 14 for e = 112 (2^-15), 24 for e = 102 (2^-25)
        if (shift > 24) {
            return (short) sign; // below 2^-25: rounds to zero
        }
        int m = (abs & 0x7fffff) | 0x800000;
        int h = m >>> shift;
        int rest = m & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (h & 1) != 0)) {
            h++; // may reach 0x400: the smallest normal, correctly encoded
        }
        return (short) (sign | h);
    }

    /** Little-endian f32 values (from position to limit) as little-endian f16, in a new buffer of half the size. */
    static ByteBuffer fromF32(ByteBuffer f32) {
        FloatBuffer in = f32.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(in.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
        ShortBuffer o = out.asShortBuffer();
        while (in.hasRemaining()) {
            o.put(fromFloat(in.get()));
        }
        return out;
    }
}
