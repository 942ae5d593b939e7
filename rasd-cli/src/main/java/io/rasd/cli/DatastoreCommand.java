package io.rasd.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.rasd.datastore.DatastoreBuilder;
import io.rasd.datastore.DatastoreFile;
import io.rasd.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "datastore",
        mixinStandardHelpOptions = true,
        description = "Build and inspect token datastore files (what the datastore mode retrieves from).",
        subcommands = {DatastoreCommand.Build.class, DatastoreCommand.Info.class})
final class DatastoreCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: build or info");
    }

    /** Warnings for skipped files stop here; the count says how many more there were. */
    private static final int MAX_LISTED_SKIPS = 10;

    @Command(
            name = "build",
            mixinStandardHelpOptions = true,
            description = "Tokenize text files and folders (recursively; each file one document) into a datastore"
                    + " file, written atomically.")
    static final class Build implements Callable<Integer> {

        @Option(
                names = "--tokenizer",
                required = true,
                paramLabel = "DIR",
                description = "Directory with the model's tokenizer.json (e.g. the HF model directory)")
        Path tokenizerDir;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Datastore file to write")
        Path out;

        @Option(
                names = "--progress",
                negatable = true,
                description = "Progress bar on stderr (default: when run from a terminal)")
        Boolean progress;

        @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Text files and folders")
        List<Path> inputs;

        @Override
        public Integer call() throws IOException {
            long start = System.nanoTime();
            try (Tokenizer tokenizer = Tokenizer.load(tokenizerDir)) {
                ProgressBar bar = (progress != null ? progress : ProgressBar.interactive())
                        ? new ProgressBar(System.err, "tokenizing")
                        : null;
                DatastoreBuilder builder = new DatastoreBuilder(tokenizer);
                if (bar != null) {
                    builder.progress((done, total) -> {
                        bar.update(done, total);
                        if (done == total) {
                            bar.finish();
                            System.err.println("indexing (suffix array)...");
                        }
                    });
                }
                DatastoreBuilder.Result r = builder.build(inputs);
                List<DatastoreBuilder.SkippedFile> skipped = r.skipped();
                for (int i = 0; i < Math.min(skipped.size(), MAX_LISTED_SKIPS); i++) {
                    System.err.println("warning: skipped " + skipped.get(i).path() + ": "
                            + skipped.get(i).reason());
                }
                if (skipped.size() > MAX_LISTED_SKIPS) {
                    System.err.println(
                            "warning: ... and " + (skipped.size() - MAX_LISTED_SKIPS) + " more files skipped");
                }
                long saveStart = System.nanoTime();
                r.datastore().save(out, tokenizer);
                double saveSeconds = (System.nanoTime() - saveStart) / 1e9;
                long size = Files.size(out);
                System.out.println("wrote " + out);
                System.out.printf(Locale.ROOT, "documents: %d (%d files skipped)%n", r.documents(), skipped.size());
                System.out.printf(
                        Locale.ROOT, "tokens:    %d from %s of text%n", r.tokens(), ProgressBar.bytes(r.bytes()));
                System.out.printf(
                        Locale.ROOT,
                        "seconds:   %.2f (tokenize and index %.2f, save %.2f)%n",
                        (System.nanoTime() - start) / 1e9,
                        r.seconds(),
                        saveSeconds);
                System.out.printf(Locale.ROOT, "file size: %s (%d bytes)%n", ProgressBar.bytes(size), size);
            }
            return 0;
        }
    }

    @Command(
            name = "info",
            mixinStandardHelpOptions = true,
            description = "Print a datastore file's header and verify its checksum; with --tokenizer, check that it"
                    + " was built with that tokenizer (exit 2 when not).")
    static final class Info implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer the file must have been built with")
        Path tokenizerDir;

        @Option(
                names = "--verify",
                negatable = true,
                defaultValue = "true",
                fallbackValue = "true",
                description = "Recompute the payload checksum (default: ${DEFAULT-VALUE})")
        boolean verify;

        @Option(names = "--json", description = "Print one JSON object")
        boolean json;

        @Override
        public Integer call() {
            DatastoreFile.Header h = DatastoreFile.readHeader(file);
            double verifySeconds = -1;
            if (verify) {
                long start = System.nanoTime();
                DatastoreFile.verifyChecksum(file);
                verifySeconds = (System.nanoTime() - start) / 1e9;
            }
            String tokenizerFingerprint = null;
            if (tokenizerDir != null) {
                try (Tokenizer tokenizer = Tokenizer.load(tokenizerDir)) {
                    tokenizerFingerprint = tokenizer.fingerprint();
                }
            }
            Boolean matches =
                    tokenizerFingerprint == null ? null : tokenizerFingerprint.equals(h.tokenizerFingerprint());
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("file", file.toString());
                o.addProperty("magic", DatastoreFile.MAGIC);
                o.addProperty("version", h.version());
                o.addProperty("tokenizer_fingerprint", h.tokenizerFingerprint());
                o.addProperty("tokenizer_source", h.tokenizerSource());
                o.addProperty("documents", h.documentCount());
                o.addProperty("tokens", h.tokenCount());
                o.addProperty("file_bytes", h.fileBytes());
                o.addProperty("checksum", verify ? "ok" : "not verified");
                if (verify) {
                    o.addProperty("verify_seconds", verifySeconds);
                }
                if (matches != null) {
                    o.addProperty("tokenizer_matches", matches);
                }
                System.out.println(
                        new GsonBuilder().setPrettyPrinting().create().toJson(o));
            } else {
                System.out.println("file:      " + file + " (" + ProgressBar.bytes(h.fileBytes()) + ", " + h.fileBytes()
                        + " bytes)");
                System.out.println("format:    " + DatastoreFile.MAGIC + " version " + h.version());
                System.out.println("tokenizer: " + h.tokenizerFingerprint()
                        + (h.tokenizerSource().isEmpty() ? "" : " (built with " + h.tokenizerSource() + ")"));
                System.out.println("documents: " + h.documentCount());
                System.out.println("tokens:    " + h.tokenCount());
                System.out.println("checksum:  "
                        + (verify ? String.format(Locale.ROOT, "ok (%.2f s)", verifySeconds) : "not verified"));
                if (matches != null) {
                    System.out.println("tokenizer check: " + (matches ? "matches " : "DOES NOT MATCH ") + tokenizerDir);
                }
            }
            if (Boolean.FALSE.equals(matches)) {
                System.err.println("error: " + file + " was built with the tokenizer " + h.tokenizerFingerprint()
                        + ", not with the one in " + tokenizerDir + " (" + tokenizerFingerprint + ")");
                return 2;
            }
            return 0;
        }
    }
}
