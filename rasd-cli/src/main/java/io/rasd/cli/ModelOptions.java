package io.rasd.cli;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import io.rasd.model.LoadOptions;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options every command that loads a model shares. */
final class ModelOptions {

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "HF model directory (config.json, model.safetensors[.index.json], tokenizer.json)")
    Path model;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Option(
            names = "--max-context",
            defaultValue = "0",
            paramLabel = "N",
            description = "Cap the context window below the model's own (bounds KV-cache memory); 0 = the model's")
    int maxContext;

    @Option(
            names = "--check-weights",
            description = "Scan every weight tensor once loaded and fail (exit 2) naming the tensor, file and first"
                    + " index when one holds NaN or +/-Inf")
    boolean checkWeights;

    @Mixin
    PrecisionOption dtype = new PrecisionOption();

    CausalLm load() {
        return load(model);
    }

    /** Loads another model (a draft) on the same device with the same context cap. */
    CausalLm load(Path dir) {
        Device d = device.device();
        if (maxContext < 0) {
            throw new RasdException("--max-context must be >= 0, got " + maxContext);
        }
        return CausalLm.load(dir, new LoadOptions(d, maxContext, checkWeights, dtype.precision()));
    }
}
