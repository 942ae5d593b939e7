package io.rasd.spring.autoconfigure;

import io.rasd.testing.TestData;
import java.nio.file.Path;

/** Paths and properties of the trained demo models under {@code models/}. */
final class Demo {

    static final Path MODELS = TestData.root().getParent().resolve("models");
    static final Path TARGET = MODELS.resolve("demo-target");
    static final Path DRAFT = MODELS.resolve("demo-draft");
    static final Path CORPUS = MODELS.resolve("demo-corpus");

    /** Target and draft on the CPU, hand-set speculation (no cost-curve measurement), short answers. */
    static final String[] PROPERTIES = {
        "rasd.target.path=" + TARGET,
        "rasd.draft.path=" + DRAFT,
        "rasd.device=cpu",
        "rasd.speculation.adaptive=false",
        "rasd.generation.max-new-tokens=24",
    };

    private Demo() {}
}
