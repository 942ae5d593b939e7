package io.rasd.cli;

import io.rasd.RasdException;
import io.rasd.runtime.TorchThreads;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./rasd}. */
@Command(
        name = "rasd",
        mixinStandardHelpOptions = true,
        version = "rasd 0.1.0",
        description = "Retrieval-Augmented Speculative Decoding for HF Llama-family models on the JVM.",
        subcommands = {
            DemoCommand.class,
            BenchCommand.class,
            GenerateCommand.class,
            CompareCommand.class,
            DatastoreCommand.class,
            LogitsCommand.class,
            CostCommand.class,
            RandomModelCommand.class
        })
public final class Main implements Runnable {

    static {
        // Before any DJL class loads: never touch the network, and keep DJL's start-up chatter off stderr.
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        // PyTorch's threads: the library's choice (all cores but one, one inter-op thread) unless set; DJL also makes
        // it
        // when its engine classes load, this only makes it before anything else runs
        TorchThreads.applyDefaults();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code: 0 ok, 2 bad input (a clear message on stderr), 1 a bug. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable root = ex;
            while (!(root instanceof RasdException) && root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof RasdException) {
                cmd.getErr().println("error: " + root.getMessage());
                return 2;
            }
            cmd.getErr().println("error: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cli.execute(args);
    }
}
