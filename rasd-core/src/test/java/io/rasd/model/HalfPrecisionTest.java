package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfPrecisionTest {

    @Test
    void f16RoundTripsEveryFiniteHalfValueExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int exp = (bits >>> 10) & 0x1f;
            if (exp == 0x1f) {
                continue; // inf / NaN checked below
            }
            float f = LlamaWeights.halfToFloat((short) bits);
            assertThat(SafeTensorsWriter.toF16(f) & 0xffff).as("bits %x", bits).isEqualTo(bits);
        }
        assertThat(LlamaWeights.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Float.isNaN(LlamaWeights.halfToFloat((short) 0x7e00))).isTrue();
        assertThat(LlamaWeights.halfToFloat((short) 0x3c00)).isEqualTo(1.0f);
        assertThat(LlamaWeights.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
    }

    @Test
    void bf16IsTheTopHalfOfAnF32RoundedToNearestEven() {
        assertThat(SafeTensorsWriter.toBf16(1.0f)).isEqualTo((short) 0x3f80);
        // 1 + 2^-8 is exactly between two bf16 values: ties go to the even one (1.0)
        assertThat(SafeTensorsWriter.toBf16(1.00390625f)).isEqualTo((short) 0x3f80);
        assertThat(SafeTensorsWriter.toBf16(1.01171875f)).isEqualTo((short) 0x3f82);
    }
}
