package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Absolute paths of the repository's demo models and documents for tests (which run in samples/spring-rag). */
final class TestApp {

    static final Path ROOT = findRoot();

    private TestApp() {}

    private static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/demo-target"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "models/demo-target not found above " + Path.of("").toAbsolutePath());
    }

    /** The demo models, hand-set speculation, and an embedding store in {@code storeDir}. */
    static void properties(DynamicPropertyRegistry registry, Path storeDir) {
        registry.add(
                "rasd.target.path", () -> ROOT.resolve("models/demo-target").toString());
        registry.add("rasd.draft.path", () -> ROOT.resolve("models/demo-draft").toString());
        registry.add("rasd.speculation.adaptive", () -> "false");
        registry.add(
                "rag.documents",
                () -> ROOT.resolve("models/demo-corpus/python/faq").toString());
        registry.add("rag.store-file", () -> storeDir.resolve("embeddings.json").toString());
    }

    /**
     * The command that starts the sample app in a JVM of its own with the tests' classpath, followed by {@code args}
     * (Spring Boot arguments).
     */
    static List<String> appCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-XX:TieredStopAtLevel=1", // starts faster; the models run native code
                "-Dai.djl.offline=true",
                "-DOPT_OUT_TRACKING=true",
                "-cp",
                System.getProperty("java.class.path"),
                SpringRagApplication.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The paragraphs of the demo corpus (its files in path order, paragraphs split at blank lines) of {@code min} to
     * {@code max} characters once their whitespace is collapsed to single spaces.
     */
    static List<String> corpusParagraphs(int min, int max) throws IOException {
        List<String> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(ROOT.resolve("models/demo-corpus"))) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            for (String p : Files.readString(f, StandardCharsets.UTF_8).split("\n\n")) {
                String text = String.join(" ", p.trim().split("\\s+"));
                if (text.length() >= min && text.length() <= max) {
                    out.add(text);
                }
            }
        }
        return out;
    }

    /** Waits (up to 3 minutes) until the documents are ingested; fails if ingestion failed. */
    static void awaitIngestion(Readiness readiness) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!readiness.isReady()) {
            assertThat(readiness.failure()).isNull();
            assertThat(System.nanoTime()).as("ingestion finishes").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
