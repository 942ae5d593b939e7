package io.rasd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.bench.BenchOptions.Settings;
import io.rasd.bench.BenchOptions.Suite;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class BenchOptionsTest {

    static final Suite QUICK = new Suite("quick", 1, 32);
    static final Suite FULL = new Suite("full", 8, 128);

    @Command(name = "bench")
    static final class Cmd {
        @Mixin
        BenchOptions options;
    }

    static BenchOptions parse(String... args) {
        Cmd cmd = new Cmd();
        new CommandLine(cmd).parseArgs(args);
        return cmd.options;
    }

    @Test
    void aSuiteIsPickedByNameAndAnUnknownOneIsExplained() {
        assertThat(Suite.pick("full", "quick or full", QUICK, FULL)).isEqualTo(FULL);
        assertThatThrownBy(() -> Suite.pick("huge", "quick or full", QUICK, FULL))
                .isInstanceOf(RasdException.class)
                .hasMessage("--suite must be quick or full, got \"huge\"");
    }

    @Test
    void withoutOptionsFoldersAreUnderRasdHomeAndCountsTheSuites() {
        String old = System.getProperty("rasd.home");
        System.setProperty("rasd.home", "/repo");
        try {
            Settings s = parse().resolve(FULL, null, "peers");
            assertThat(s)
                    .isEqualTo(new Settings(
                            "full",
                            Path.of("/repo/models"),
                            Path.of("/repo/bench"),
                            Path.of("/repo/bench/results/peers"),
                            8,
                            128));
            assertThat(s.corpus()).containsExactly(Path.of("/repo/models/demo-corpus"), Path.of("/repo/bench/corpus"));
        } finally {
            if (old == null) {
                System.clearProperty("rasd.home");
            } else {
                System.setProperty("rasd.home", old);
            }
        }
    }

    @Test
    void givenOptionsOverrideTheSuiteAndTheDefaultFolders() {
        BenchOptions o = parse("--models", "/m", "--tasks", "/t", "--prompts", "2", "--max-new-tokens", "4");
        Settings s = o.resolve(QUICK, Path.of("/o"), "quick");
        assertThat(s).isEqualTo(new Settings("quick", Path.of("/m"), Path.of("/t"), Path.of("/o"), 2, 4));
        assertThat(o.maxNewTokens(16)).isEqualTo(4);
        assertThat(parse("--tasks", "/t").resolve(QUICK, null, "quick").out()).isEqualTo(Path.of("/t/results/quick"));
        assertThat(parse().maxNewTokens(16)).isEqualTo(16);
    }

    @Test
    void countsBelowOneAreRefused() {
        for (List<String> args : List.of(List.of("--prompts", "0"), List.of("--max-new-tokens", "-1"))) {
            assertThatThrownBy(() -> parse(args.toArray(String[]::new)).resolve(QUICK, null, "quick"))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("must be >= 1");
        }
    }

    @Test
    void theHelpListsTheSharedOptions() {
        String help = new CommandLine(new Cmd()).getUsageMessage();
        assertThat(help)
                .contains(
                        "--models=DIR",
                        "--tasks=DIR",
                        "--prompts=N",
                        "--max-new-tokens=N",
                        "Demo models folder (default: models/)",
                        "Tokens per prompt (overrides the suite)");
    }
}
