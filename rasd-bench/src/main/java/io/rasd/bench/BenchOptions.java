package io.rasd.bench;

import io.rasd.RasdException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options {@code ./rasd bench} and {@code ./rasd bench --peers} share, as a picocli mixin, and how both resolve
 * them: folders default to ones under {@code -Drasd.home}, counts to the suite's. Each command declares its own
 * {@code --suite} (the suites differ) and {@code --out} (so does the default folder).
 */
public final class BenchOptions {

    @Option(names = "--models", paramLabel = "DIR", description = "Demo models folder (default: models/)")
    Path models;

    @Option(
            names = "--tasks",
            paramLabel = "DIR",
            description = "Folder with tasks/*.jsonl and corpus/ (default: bench/)")
    Path tasks;

    @Option(names = "--prompts", paramLabel = "N", description = "Prompts per task (overrides the suite)")
    Integer prompts;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens per prompt (overrides the suite)")
    Integer maxNewTokens;

    /** A suite's defaults. */
    public record Suite(String name, int promptsPerTask, int maxNewTokens) {

        /** The suite called {@code name}; else an error saying which there are ({@code expected}). */
        public static Suite pick(String name, String expected, Suite... suites) {
            return Arrays.stream(suites)
                    .filter(s -> s.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new RasdException("--suite must be " + expected + ", got \"" + name + "\""));
        }
    }

    /** The options resolved for one run. */
    public record Settings(String suite, Path models, Path tasks, Path out, int promptsPerTask, int maxNewTokens) {

        /** The benchmark datastore's documents: the demo corpus and the tasks' corpus. */
        public List<Path> corpus() {
            return List.of(models.resolve("demo-corpus"), tasks.resolve("corpus"));
        }
    }

    /**
     * @param out the command's {@code --out}, or null
     * @param outFolder the folder under {@code bench/results/} that results go to without {@code --out}
     */
    public Settings resolve(Suite suite, Path out, String outFolder) {
        int perTask = prompts != null ? prompts : suite.promptsPerTask();
        int tokens = maxNewTokens(suite.maxNewTokens());
        if (perTask < 1 || tokens < 1) {
            throw new RasdException("--prompts and --max-new-tokens must be >= 1");
        }
        Path home = Path.of(System.getProperty("rasd.home", "."));
        Path modelDir = models != null ? models : home.resolve("models");
        Path benchDir = tasks != null ? tasks : home.resolve("bench");
        Path outDir = out != null ? out : benchDir.resolve("results").resolve(outFolder);
        return new Settings(suite.name(), modelDir, benchDir, outDir, perTask, tokens);
    }

    /** {@code --max-new-tokens} if given, else {@code suiteDefault}. */
    public int maxNewTokens(int suiteDefault) {
        return maxNewTokens != null ? maxNewTokens : suiteDefault;
    }
}
