package io.rasd.peers.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** f32 to f16 rounding: known values (ties, subnormals, overflow, NaN), then nearest-even checked over a sweep. */
class HalfTest {

    private static int h(float f) {
        return Half.fromFloat(f) & 0xffff;
    }

    /** What binary16 bits mean, from the format's definition: sign x significand x 2^exponent. */
    private static float value(short half) {
        int bits = half & 0xffff;
        int e = (bits >>> 10) & 0x1f;
        int m = bits & 0x3ff;
        float sign = (bits & 0x8000) != 0 ? -1f : 1f;
        if (e == 0x1f) {
            return m == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        if (e == 0) {
            return sign * Math.scalb((float) m, -24);
        }
        return sign * Math.scalb((float) (m | 0x400), e - 25);
    }

    @Test
    void exactValuesAndTheLimitsOfTheRange() {
        assertThat(h(0f)).isEqualTo(0x0000);
        assertThat(h(-0f)).isEqualTo(0x8000);
        assertThat(h(1f)).isEqualTo(0x3c00);
        assertThat(h(-2f)).isEqualTo(0xc000);
        assertThat(h(0.5f)).isEqualTo(0x3800);
        assertThat(h(0.1f)).as("0.1 rounds to 0x2e66").isEqualTo(0x2e66);
        assertThat(h(65504f)).as("largest finite").isEqualTo(0x7bff);
        assertThat(h(0x1p-14f)).as("smallest normal").isEqualTo(0x0400);
        assertThat(h(1023 * 0x1p-24f)).as("largest subnormal").isEqualTo(0x03ff);
        assertThat(h(0x1p-24f)).as("smallest subnormal").isEqualTo(0x0001);
        assertThat(h(-0x1p-24f)).isEqualTo(0x8001);
    }

    @Test
    void tiesRoundToEven() {
        assertThat(h(1f + 0x1p-11f)).as("1 + half an ulp: down to even 1.0").isEqualTo(0x3c00);
        assertThat(h(1f + 3 * 0x1p-11f))
                .as("between 0x3c01 and 0x3c02: up to even")
                .isEqualTo(0x3c02);
        assertThat(h(2049f)).as("between 2048 and 2050").isEqualTo(0x6800);
        assertThat(h(2051f)).as("between 2050 and 2052").isEqualTo(0x6802);
        assertThat(h(Math.nextUp(2049f))).as("just above a tie: up").isEqualTo(0x6801);
        assertThat(h(Math.nextDown(2051f))).as("just below a tie: down").isEqualTo(0x6801);
    }

    @Test
    void subnormalsRoundToNearestEvenAndIntoTheNormals() {
        assertThat(h(0x1p-25f))
                .as("half the smallest subnormal: a tie, to even 0")
                .isEqualTo(0x0000);
        assertThat(h(Math.nextUp(0x1p-25f)))
                .as("just above it: the smallest subnormal")
                .isEqualTo(0x0001);
        assertThat(h(3 * 0x1p-25f)).as("1.5 units: to even 2").isEqualTo(0x0002);
        assertThat(h(5 * 0x1p-25f)).as("2.5 units: to even 2").isEqualTo(0x0002);
        assertThat(h(7 * 0x1p-25f)).as("3.5 units: to even 4").isEqualTo(0x0004);
        assertThat(h(2047 * 0x1p-25f))
                .as("1023.5 units: up into the smallest normal")
                .isEqualTo(0x0400);
        assertThat(h(Float.MIN_VALUE)).as("an f32 subnormal").isEqualTo(0x0000);
        assertThat(h(-Float.MIN_NORMAL)).isEqualTo(0x8000);
    }

    @Test
    void overflowBecomesInfinityAndNanStaysNan() {
        assertThat(h(65519.996f)).as("below the midpoint to 65536").isEqualTo(0x7bff);
        assertThat(h(65520f))
                .as("the midpoint: to even, which is past the range")
                .isEqualTo(0x7c00);
        assertThat(h(-1e6f)).isEqualTo(0xfc00);
        assertThat(h(Float.MAX_VALUE)).isEqualTo(0x7c00);
        assertThat(h(Float.POSITIVE_INFINITY)).isEqualTo(0x7c00);
        assertThat(h(Float.NEGATIVE_INFINITY)).isEqualTo(0xfc00);
        for (int bits : new int[] {0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0xff800fff}) {
            int got = h(Float.intBitsToFloat(bits));
            assertThat(got & 0x7c00).as(Integer.toHexString(bits)).isEqualTo(0x7c00);
            assertThat(got & 0x03ff)
                    .as(Integer.toHexString(bits) + ": a NaN, not infinity")
                    .isNotZero();
            assertThat(got & 0x8000).isEqualTo((bits >>> 16) & 0x8000);
            assertThat(Float.isNaN(value((short) got))).isTrue();
        }
    }

    @Test
    void everyHalfRoundTripsExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            if ((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0) {
                continue; // NaN
            }
            assertThat(h(value((short) bits))).as(Integer.toHexString(bits)).isEqualTo(bits);
        }
    }

    /**
     * Over a sweep of f32 values (every 997th bit pattern, and every normal-range tie), the result is the nearest f16,
     * ties to even: checked against the neighbours in double arithmetic (exact here), independent of the bit tricks.
     * On Java 20+ also equal to {@code Float.floatToFloat16}.
     */
    @Test
    void isTheNearestHalfTiesToEvenOverASweep() throws Throwable {
        MethodHandle jdk = jdkConversion();
        long checked = 0;
        for (long bits = 0; bits < 0x477ff000L; bits += 997) {
            checkNearest((int) bits, jdk);
            checked++;
        }
        for (long bits = 0x38801000L; bits < 0x477ff000L; bits += 0x2000) {
            checkNearest((int) bits, jdk); // exactly halfway between two normal halves
            checkNearest((int) bits + 1, jdk);
            checkNearest((int) bits - 1, jdk);
            checked += 3;
        }
        assertThat(checked).isGreaterThan(1_000_000);
    }

    private static void checkNearest(int bits, MethodHandle jdk) throws Throwable {
        float f = Float.intBitsToFloat(bits);
        int got = h(f);
        double x = f;
        double here = Math.abs(x - value((short) got));
        for (int other : new int[] {got - 1, got + 1}) {
            if (other < 0 || other > 0x7bff) {
                continue;
            }
            double there = Math.abs(x - value((short) other));
            if (there < here || (there == here && (got & 1) != 0)) {
                fail(String.format("%s -> %04x, but %04x is nearer or the even one of a tie", f, got, other));
            }
        }
        if (jdk != null) {
            int expected = ((short) jdk.invokeExact(f)) & 0xffff;
            if (got != expected) {
                fail(String.format("%s -> %04x, Float.floatToFloat16 gives %04x", f, got, expected));
            }
        }
    }

    private static MethodHandle jdkConversion() {
        try {
            return MethodHandles.publicLookup()
                    .findStatic(Float.class, "floatToFloat16", MethodType.methodType(short.class, float.class));
        } catch (ReflectiveOperationException e) {
            return null; // Java 17: no such method
        }
    }

    @Test
    void aBufferIsConvertedLittleEndianAtHalfTheSize() {
        ByteBuffer f32 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        f32.asFloatBuffer().put(new float[] {1f, -2f, 65504f});
        ByteBuffer f16 = Half.fromF32(f32);
        assertThat(f16.remaining()).isEqualTo(6);
        byte[] bytes = new byte[6];
        f16.duplicate().get(bytes);
        assertThat(bytes).containsExactly(0x00, 0x3c, 0x00, (byte) 0xc0, (byte) 0xff, 0x7b);
    }
}
