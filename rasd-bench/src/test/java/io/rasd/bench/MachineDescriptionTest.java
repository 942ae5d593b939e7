package io.rasd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class MachineDescriptionTest {

    static final MachineDescription M = new MachineDescription(
            "AMD EPYC", 2, "Linux amd64", "Eclipse Adoptium", "25.0.3", "2026-11-25T22:02:45Z[Etc/UTC]");

    @Test
    void theBenchLayoutHasTheJavaVersionAndTheEngine() {
        JsonObject j = M.toJson();
        assertThat(j.keySet()).containsExactly("cpu", "cores", "os", "java", "engine", "date");
        assertThat(j.get("java").getAsString()).isEqualTo("25.0.3");
        assertThat(j.get("engine").getAsString())
                .isEqualTo("DJL 0.36.0 / PyTorch 2.7.1, rasd's TorchScript kernel module");
        assertThat(j.get("cores").getAsInt()).isEqualTo(2);
    }

    @Test
    void thePeersLayoutHasTheJavaVendorAndRasdsEngine() {
        JsonObject j = M.toPeersJson();
        assertThat(j.keySet()).containsExactly("cpu", "cores", "os", "java", "rasd_engine", "date");
        assertThat(j.get("java").getAsString()).isEqualTo("Eclipse Adoptium 25.0.3");
        assertThat(j.get("rasd_engine").getAsString()).isEqualTo(MachineDescription.RASD_ENGINE);
    }

    @Test
    void theCpuIsCpuinfosModelNameElseTheArchitecture() throws IOException {
        assertThat(MachineDescription.cpuModel(List.of("processor\t: 0", "model name\t: AMD EPYC 7B13", "flags\t: x")))
                .isEqualTo("AMD EPYC 7B13");
        assertThat(MachineDescription.cpuModel(List.of())).isEqualTo(System.getProperty("os.arch"));
        MachineDescription here = MachineDescription.current();
        assertThat(here.cores()).isPositive();
        assertThat(here.javaVersion()).isEqualTo(System.getProperty("java.version"));
    }
}
