package io.rasd.datastore;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is lost when the process saving a datastore is killed: the file at the path is always one complete version
 * (the one before or the one being written), and what a killed writer leaves behind breaks no later open or save.
 */
class KilledWriterTest {

    private static final int VERSIONS = 3;
    private static final int ROUNDS = 12;

    @TempDir
    Path dir;

    /** Version {@code v}: 6M random tokens or so (about 46 MB on disk), different documents per version. */
    private static TokenDatastore version(int v) {
        SplittableRandom rnd = new SplittableRandom(100 + v);
        List<int[]> docs = new ArrayList<>();
        for (int i = 0, n = 5800 + 200 * v; i < n; i++) {
            docs.add(rnd.ints(1000, 0, 512).toArray());
        }
        return TokenDatastore.build(docs);
    }

    /** Answers to queries taken from version {@code v}'s own text, so they find occurrences. */
    private static List<Map<List<Integer>, Integer>> answers(TokenDatastore store, List<int[]> queries) {
        List<Map<List<Integer>, Integer>> out = new ArrayList<>();
        TokenDatastore.QueryConfig c = new TokenDatastore.QueryConfig(1, 4, 64, 6, 8);
        for (int[] q : queries) {
            out.add(TokenDatastoreTest.answers(store.query(q, c)));
        }
        return out;
    }

    private static List<int[]> queries() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<int[]> qs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            qs.add(rnd.ints(1 + rnd.nextInt(4), 0, 512).toArray());
        }
        return qs;
    }

    private Set<Path> temporaryFiles(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> files = Files.list(dir)) {
            Set<Path> out = new HashSet<>();
            files.filter(p -> p.getFileName().toString().startsWith(prefix)
                            && p.getFileName().toString().endsWith(".tmp"))
                    .forEach(out::add);
            return out;
        }
    }

    private static Process startWriter(Path target, String fingerprint, List<Path> versions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                RepeatedSaver.class.getName(),
                target.toString(),
                fingerprint));
        versions.forEach(v -> cmd.add(v.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Counts the writer's completed saves from its output; keeps the output for failure messages. */
    private static final class WriterOutput extends Thread {
        final AtomicInteger saves = new AtomicInteger();
        final StringBuffer text = new StringBuffer();
        private final Process process;

        WriterOutput(Process process) {
            this.process = process;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    text.append(line).append('\n');
                    if (line.startsWith("saved ")) {
                        saves.incrementAndGet();
                    }
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        }
    }

    private static void await(BooleanSupplier condition, Process writer, WriterOutput out, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(writer.isAlive())
                    .as("the writer died while the test waited for %s:%n%s", what, out.text)
                    .isTrue();
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            LockSupport.parkNanos(100_000);
        }
    }

    @Test
    void aWriterKilledAtRandomMomentsAlwaysLeavesOneCompleteVersionAndItsLeftoversHarmNothing() throws Exception {
        String fingerprint;
        try (Tokenizer tokenizer = Tokenizer.load(TestData.hf("tokenizer"))) {
            fingerprint = tokenizer.fingerprint();
        }
        List<int[]> queries = queries();
        List<Path> versionFiles = new ArrayList<>();
        List<List<Map<List<Integer>, Integer>>> expected = new ArrayList<>();
        for (int v = 0; v < VERSIONS; v++) {
            Path f = dir.resolve("version-" + v + ".rasd");
            try (TokenDatastore store = version(v)) {
                store.save(f, fingerprint);
                expected.add(answers(store, queries));
            }
            versionFiles.add(f);
        }
        for (int v = 1; v < VERSIONS; v++) {
            assertThat(expected.get(v)).as("versions must answer differently").isNotEqualTo(expected.get(0));
        }
        Path target = dir.resolve("store.rasd");
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        int midWrite = 0;
        int[] versionsSeen = new int[VERSIONS];
        long fileBytes = Files.size(versionFiles.get(0));
        for (int round = 0; round < ROUNDS; round++) {
            Set<Path> leftBefore = temporaryFiles(target);
            Process writer = startWriter(target, fingerprint, versionFiles);
            WriterOutput out = new WriterOutput(writer);
            try {
                // this writer has finished a save or more (in round 0: the first complete file exists), with the
                // temporary files of the writers killed before lying around
                int completed = 1 + rnd.nextInt(3);
                await(() -> out.saves.get() >= completed, writer, out, completed + " complete saves");
                if (round % 4 != 3) {
                    // aim at the middle of a write: wait for its temporary file, then a moment within a save's time
                    Set<Path> known = temporaryFiles(target);
                    await(
                            () -> {
                                try {
                                    return !known.containsAll(temporaryFiles(target));
                                } catch (IOException e) {
                                    return false;
                                }
                            },
                            writer,
                            out,
                            "the next save's temporary file");
                    LockSupport.parkNanos(rnd.nextLong(TimeUnit.MILLISECONDS.toNanos(60)));
                } else {
                    LockSupport.parkNanos(rnd.nextLong(TimeUnit.MILLISECONDS.toNanos(150)));
                }
                writer.destroyForcibly();
                assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                writer.destroyForcibly();
            }
            Set<Path> left = temporaryFiles(target);
            left.removeAll(leftBefore);
            midWrite += left.isEmpty() ? 0 : 1;

            int version = -1;
            for (int v = 0; v < VERSIONS && version < 0; v++) {
                version = Files.mismatch(target, versionFiles.get(v)) == -1 ? v : -1;
            }
            assertThat(version)
                    .as("round %d (seed %d): the file is byte for byte one complete version", round, seed)
                    .isNotNegative();
            versionsSeen[version]++;
            try (TokenDatastore opened = TokenDatastore.open(target, fingerprint)) { // checksum verified
                assertThat(answers(opened, queries)).as("round %d", round).isEqualTo(expected.get(version));
            }
        }
        List<Path> leftovers = new ArrayList<>(temporaryFiles(target));
        System.out.printf(
                "KilledWriterTest: %d kills (seed %d), %d mid-write, %d temporary files left, versions"
                        + " found %s, %d bytes a file%n",
                ROUNDS, seed, midWrite, leftovers.size(), java.util.Arrays.toString(versionsSeen), fileBytes);
        assertThat(midWrite)
                .as("kills that landed while a temporary file was being written")
                .isPositive();
        assertThat(leftovers).hasSizeGreaterThanOrEqualTo(midWrite);

        // a save leaves a leftover alone while another writer might still be busy with it ...
        try (TokenDatastore v0 = TokenDatastore.open(versionFiles.get(0), fingerprint)) {
            v0.save(target, fingerprint);
            assertThat(temporaryFiles(target)).containsExactlyInAnyOrderElementsOf(leftovers);
            // ... and removes it once nothing has touched it for ten minutes
            FileTime old =
                    FileTime.from(Instant.now().minus(StaleTempFiles.MIN_AGE).minus(Duration.ofMinutes(1)));
            for (Path p : leftovers) {
                Files.setLastModifiedTime(p, old);
            }
            v0.save(target, fingerprint);
            assertThat(temporaryFiles(target)).isEmpty();
        }
        assertThat(Files.mismatch(target, versionFiles.get(0))).isEqualTo(-1);
    }

    @Test
    void onlyOldTemporaryFilesOfTheSavedPathAreRemoved() throws IOException {
        Path target = dir.resolve("store.rasd");
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        Path stale = Files.write(dir.resolve(".store.rasd.7f3a09c2d1e4b5a6.tmp"), new byte[] {1, 2, 3});
        Path fresh = Files.write(dir.resolve(".store.rasd.1234.tmp"), new byte[] {1});
        Path otherFile = Files.write(dir.resolve(".other.rasd.7f3a.tmp"), new byte[] {1});
        Path notOurs = Files.write(dir.resolve(".store.rasd.backup.tmp"), new byte[] {1});
        Path noDot = Files.write(dir.resolve("store.rasd.7f3a.tmp"), new byte[] {1});
        for (Path p : List.of(stale, otherFile, notOurs, noDot)) {
            Files.setLastModifiedTime(p, old);
        }
        try (TokenDatastore store = TokenDatastore.build(List.of(new int[] {1, 2, 3, 4}, new int[] {2, 3, 5}))) {
            store.save(target, "fp");
        }
        assertThat(stale).doesNotExist();
        assertThat(List.of(fresh, otherFile, notOurs, noDot))
                .allSatisfy(p -> assertThat(p).exists());
        // garbage where a temporary file would be breaks neither opening nor the next save
        Files.write(dir.resolve(".store.rasd.0.tmp"), new byte[] {9, 9, 9});
        try (TokenDatastore opened = TokenDatastore.open(target, "fp")) {
            assertThat(opened.documentCount()).isEqualTo(2);
            opened.save(target, "fp");
        }
        try (TokenDatastore reopened = TokenDatastore.open(target, "fp")) {
            assertThat(reopened.tokenCount()).isEqualTo(7);
        }
    }
}
