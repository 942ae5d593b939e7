package io.rasd.cli;

import io.rasd.model.Precision;
import picocli.CommandLine.Option;

/** {@code --dtype}: every command that loads a model takes it. */
final class PrecisionOption {

    @Option(
            names = "--dtype",
            defaultValue = "auto",
            paramLabel = "auto|f32|bf16|f16",
            description = "Element type of weights and KV cache (default: ${DEFAULT-VALUE}: a bf16/f16 checkpoint"
                    + " stays bf16 where the CPU has native bf16 (AVX512-BF16 or AMX), f32 otherwise; the log says"
                    + " which). bf16/f16 halve the memory; on a CPU without native bf16 they run slower than f32")
    String dtype;

    Precision precision() {
        return Precision.parse(dtype, "--dtype");
    }
}
