package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

    static final Path MODELS = TestData.root().getParent().resolve("models");

    @Test
    void theDemoRunsOnTheCommittedModelsAndRasdOutputIsIdenticalToPlainDecoding() {
        CliRunner r =
                CliRunner.run("demo", "--models", MODELS.toString(), "--max-new-tokens", "24", "--color", "never");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("== document question", "== code completion", "identical output")
                .contains(BenchCommandTest.AUTO_DTYPE + " on cpu()")
                .doesNotContain("NO")
                .doesNotContain("\u001b[");
        assertThat(r.out().lines().filter(l -> l.endsWith("yes")).count()).isEqualTo(2);
    }

    @Test
    void aMissingModelsFolderIsExplained(@TempDir Path tmp) {
        CliRunner r = CliRunner.run("demo", "--models", tmp.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("demo-target").contains("--models");
    }
}
