package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceTensors} is the only place in rasd-core that picks a device, opens a root manager, moves a tensor or
 * copies between the host and the device: this test reads rasd-core's sources and names every line elsewhere that
 * does one of those, so a tensor cannot land on another device than its model's, and no host copy goes uncounted.
 */
class DevicePlacementTest {

    private static final Path SOURCES = Path.of("src/main/java");

    /** Anywhere in rasd-core: choosing or leaving a device, opening a root manager, reading a tensor to Java. */
    private static final Pattern PLACEMENT = Pattern.compile("Device\\.(cpu|gpu)\\(|\\.toDevice\\(|newBaseManager\\("
            + "|getGpuCount\\(|to(Float|Int|Long|Byte|Boolean|Double)Array\\(|toByteBuffer\\(");

    /**
     * In a file that uses NDArrays: a manager creating a tensor from Java data, or a scalar read. (ByteBuffer reads
     * look alike; files that never import {@code ai.djl.ndarray} are not searched for these.)
     */
    private static final Pattern HOST_COPY = Pattern.compile("\\.create\\(|\\.get(Long|Float|Int|Double)\\(\\)");

    private static String code(String line) {
        String t = line.strip();
        if (t.startsWith("*") || t.startsWith("//") || t.startsWith("/*")) {
            return "";
        }
        int comment = line.indexOf("// ");
        return comment >= 0 ? line.substring(0, comment) : line;
    }

    @Test
    void onlyDeviceTensorsPlacesTensorsOrCopiesToAndFromTheHost() throws IOException {
        List<String> offenders = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(files).hasSizeGreaterThan(50);
        for (Path f : files) {
            if (f.getFileName().toString().equals("DeviceTensors.java")) {
                continue;
            }
            List<String> lines = Files.readAllLines(f);
            boolean usesTensors = lines.stream().anyMatch(l -> l.startsWith("import ai.djl.ndarray"));
            for (int i = 0; i < lines.size(); i++) {
                String c = code(lines.get(i));
                Matcher m = PLACEMENT.matcher(c);
                Matcher h = HOST_COPY.matcher(c);
                if (m.find() || (usesTensors && h.find())) {
                    offenders.add(SOURCES.relativize(f) + ":" + (i + 1) + ": "
                            + lines.get(i).strip());
                }
            }
        }
        assertThat(offenders)
                .as("tensor placement or host copies outside DeviceTensors (go through it, so they are counted)")
                .isEmpty();
    }

    @Test
    void aKernelCallWithOperandsOnTwoDevicesFailsNamingTheOperand() {
        // two CPU tensors pass; a tensor claiming another device is what a GPU run would hit
        try (NDManager m = DeviceTensors.newManager(DeviceTensors.host())) {
            NDArray a = DeviceTensors.upload(m, new float[] {1});
            NDArray b = DeviceTensors.upload(m, new float[] {2});
            DeviceTensors.requireOneDevice("add", a, b);
            NDArray elsewhere = onAnotherDevice(b, ai.djl.Device.gpu(3));
            assertThatThrownBy(() -> DeviceTensors.requireOneDevice("add", a, elsewhere))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("add: operand 1")
                    .hasMessageContaining("gpu(3)");
        }
        assertThat(DeviceTensors.CHECK_DEVICES)
                .as("tests run with the device check on (-ea)")
                .isTrue();
    }

    /** {@code a} as a GPU run would see a tensor left on {@code device} (a CPU machine has no other device). */
    private static NDArray onAnotherDevice(NDArray a, ai.djl.Device device) {
        return (NDArray) java.lang.reflect.Proxy.newProxyInstance(
                NDArray.class.getClassLoader(),
                new Class<?>[] {NDArray.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getDevice" -> device;
                    default -> method.invoke(a, args);
                });
    }

    @Test
    void uploadsAndReadsAreCounted() {
        try (NDManager m = DeviceTensors.newManager(DeviceTensors.host())) {
            DeviceTensors.Copies before = DeviceTensors.copies();
            NDArray ids = DeviceTensors.upload(m, new int[] {3, 1, 2});
            assertThat(DeviceTensors.readInts(ids.argSort())).containsExactly(1, 2, 0);
            assertThat(DeviceTensors.readLong(ids.sum())).isEqualTo(6);
            assertThat(DeviceTensors.copies().since(before)).isEqualTo(new DeviceTensors.Copies(1, 2));
        }
    }
}
