package io.rasd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TorchThreadsTest {

    @Test
    void unsetThreadsBecomeAllCoresButOneAndOneInterOpThread() {
        TorchThreads.Choice c = TorchThreads.choose(null, null, null, 8, 0);
        assertThat(c.intraOp()).isEqualTo("7");
        assertThat(c.interOp()).isEqualTo("1");
        assertThat(c.why()).contains("PyTorch intra-op threads: 7 (8 cores").contains("inter-op threads: 1");
        assertThat(TorchThreads.choose(null, null, null, 1, 0).intraOp()).isEqualTo("1");
        assertThat(TorchThreads.choose(null, null, null, 2, 0).intraOp()).isEqualTo("1");
    }

    @Test
    void physicalCoresBoundTheCountAndACpuQuotaBelowThemToo() {
        assertThat(TorchThreads.choose(null, null, null, 16, 8).intraOp())
                .as("SMT")
                .isEqualTo("7");
        assertThat(TorchThreads.choose(null, null, null, 4, 32).intraOp())
                .as("quota")
                .isEqualTo("3");
    }

    @Test
    void whatTheUserSetIsKept() {
        TorchThreads.Choice set = TorchThreads.choose("4", "2", null, 8, 8);
        assertThat(set.intraOp()).isNull();
        assertThat(set.interOp()).isNull();
        assertThat(set.why()).contains("4 (ai.djl.pytorch.num_threads, set by the user)", "2 (set by the user)");
        TorchThreads.Choice omp = TorchThreads.choose(null, null, "3", 8, 8);
        assertThat(omp.intraOp()).as("OMP_NUM_THREADS is PyTorch's own default").isNull();
        assertThat(omp.interOp()).isEqualTo("1");
    }

    @Test
    void physicalCoresCountDistinctCoresPerSocket() {
        List<String> smt = List.of(
                "processor\t: 0",
                "physical id\t: 0",
                "core id\t\t: 0",
                "processor\t: 1",
                "physical id\t: 0",
                "core id\t\t: 0",
                "processor\t: 2",
                "physical id\t: 1",
                "core id\t\t: 0",
                "processor\t: 3",
                "physical id\t: 1",
                "core id\t\t: 1");
        assertThat(TorchThreads.physicalCores(smt)).isEqualTo(3);
        assertThat(TorchThreads.physicalCores(List.of("model name\t: x"))).isZero();
    }

    /** DJL reads the properties once per JVM, when PyTorch starts: each case runs in a JVM of its own. */
    @Test
    void theLibraryChoosesBeforePyTorchStartsWhenUnsetAndKeepsWhatTheUserSet() throws Exception {
        String chosen = probe(List.of());
        int expected = TorchThreads.defaultThreads(TorchThreads.usableCores());
        assertThat(chosen).contains("intra=" + expected + " interop=1 property=" + expected);

        String kept = probe(List.of("-Dai.djl.pytorch.num_threads=3", "-Dai.djl.pytorch.num_interop_threads=2"));
        assertThat(kept).contains("intra=3 interop=2 property=3");
    }

    private static String probe(List<String> props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(props);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TorchThreadsProbe.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("OMP_NUM_THREADS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
