package io.rasd.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's committed {@code testdata/} folder from any module's working directory. */
public final class TestData {

    private TestData() {}

    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("testdata/hf"))) {
                return p.resolve("testdata");
            }
            p = p.getParent();
        }
        throw new IllegalStateException(
                "testdata/hf not found above " + Path.of("").toAbsolutePath());
    }

    /** A committed HF fixture directory, e.g. {@code hf("llama-gqa-f32")}. */
    public static Path hf(String name) {
        return root().resolve("hf").resolve(name);
    }
}
