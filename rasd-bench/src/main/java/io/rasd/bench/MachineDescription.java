package io.rasd.bench;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.List;

/** The machine a benchmark ran on: results.json's {@code machine}. */
public record MachineDescription(String cpu, int cores, String os, String javaVendor, String javaVersion, String date) {

    /** What runs the models on rasd's side (the precision and device are the results' {@code config.weights}). */
    public static final String RASD_ENGINE = "DJL 0.36.0 / PyTorch 2.7.1, rasd's TorchScript kernel module";

    public static MachineDescription current() throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        String cpu = cpuModel(Files.isReadable(info) ? Files.readAllLines(info) : List.of());
        return new MachineDescription(
                cpu,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vendor"),
                System.getProperty("java.version"),
                ZonedDateTime.now().withNano(0).toString());
    }

    /** The {@code model name} in /proc/cpuinfo's lines, else the architecture. */
    static String cpuModel(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    /** As {@code ./rasd bench} writes it: the Java version, rasd's runtime as {@code engine}. */
    public JsonObject toJson() {
        return json(javaVersion, "engine");
    }

    /**
     * As {@code ./rasd bench --peers} writes it: the Java vendor too (the peers run on whichever JDK 21+ was found),
     * rasd's runtime as {@code rasd_engine} (the peers bring their own).
     */
    public JsonObject toPeersJson() {
        return json(javaVendor + " " + javaVersion, "rasd_engine");
    }

    private JsonObject json(String java, String engineKey) {
        JsonObject machine = new JsonObject();
        machine.addProperty("cpu", cpu);
        machine.addProperty("cores", cores);
        machine.addProperty("os", os);
        machine.addProperty("java", java);
        machine.addProperty(engineKey, RASD_ENGINE);
        machine.addProperty("date", date);
        return machine;
    }
}
