package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
