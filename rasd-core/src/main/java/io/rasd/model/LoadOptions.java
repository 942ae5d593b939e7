package io.rasd.model;

import ai.djl.Device;
import io.rasd.RasdException;

/**
 * How {@link CausalLm#load(java.nio.file.Path, LoadOptions)} loads a checkpoint.
 *
 * @param device where the weights live; {@code null}: {@link CausalLm#defaultDevice()} (the GPU when DJL finds CUDA)
 * @param maxContext an upper bound on cached tokens below the model's own limit (0: the model's limit), to bound
 *     KV-cache memory
 * @param checkFinite scan every weight tensor once loaded and refuse the checkpoint when one holds NaN or ±Inf (a
 *     corrupt download or a diverged fine-tune otherwise shows up only as garbage output)
 * @param precision the element type of weights and KV cache ({@link Precision}); {@code null}: {@link Precision#AUTO}
 */
public record LoadOptions(Device device, int maxContext, boolean checkFinite, Precision precision) {

    public LoadOptions {
        if (maxContext < 0) {
            throw new RasdException("maxContext must be >= 0 (0 = the model's own limit), got " + maxContext);
        }
        if (precision == null) {
            precision = Precision.AUTO;
        }
    }

    /** f32, as every model was held before {@link Precision} existed (results never depend on the CPU's features). */
    public LoadOptions(Device device, int maxContext, boolean checkFinite) {
        this(device, maxContext, checkFinite, Precision.F32);
    }

    /** The default device, the model's own context limit, no weight scan, {@link Precision#AUTO}. */
    public static LoadOptions defaults() {
        return new LoadOptions(null, 0, false, Precision.AUTO);
    }

    public LoadOptions withDevice(Device d) {
        return new LoadOptions(d, maxContext, checkFinite, precision);
    }

    public LoadOptions withMaxContext(int tokens) {
        return new LoadOptions(device, tokens, checkFinite, precision);
    }

    public LoadOptions withCheckFinite(boolean check) {
        return new LoadOptions(device, maxContext, check, precision);
    }

    public LoadOptions withPrecision(Precision p) {
        return new LoadOptions(device, maxContext, checkFinite, p);
    }
}
