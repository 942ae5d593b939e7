package io.rasd.cli;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import picocli.CommandLine.Option;

/** {@code --device}: every command that loads a model takes it. */
final class DeviceOption {

    @Option(
            names = "--device",
            defaultValue = "auto",
            paramLabel = "auto|cpu|gpu",
            description = "Where to run (default: ${DEFAULT-VALUE}: the GPU when DJL finds CUDA, else the CPU; the"
                    + " report names what ran). gpu without CUDA natives on the classpath fails (exit 2) naming the"
                    + " dependency to add")
    String name;

    Device device() {
        return switch (name) {
            case "auto" -> CausalLm.defaultDevice();
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> throw new RasdException("--device must be auto, cpu or gpu, got \"" + name + "\"");
        };
    }
}
