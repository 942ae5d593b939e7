package io.rasd.datastore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Scale measurement, not a test: a synthetic 100M-token store (Zipf-like unigrams over a 32000-token vocabulary,
 * about 10% of tokens in spans copied from earlier text, as RAG corpora repeat themselves), built, saved, reopened
 * memory-mapped, and queried. Run with a large heap:
 *
 * <pre>
 * java -Xmx8g -cp rasd-core/target/classes:rasd-core/target/test-classes:$(deps) \
 *     io.rasd.datastore.DatastoreScaleBench /tmp/rasd-bench [tokens]
 * </pre>
 *
 * With {@code --reopen FILE} it only opens a file the full run saved and times queries from the first on, which
 * after evicting the file from the page cache ({@code posix_fadvise(DONTNEED)}) measures a cold start. With
 * {@code --large DIR} it writes and reopens a file over 2 GiB (280M distinct tokens, whose suffix array is the
 * identity, so nothing needs sorting) to check that sections spanning several mappings read back right.
 */
public final class DatastoreScaleBench {

    private static final int VOCAB = 32_000;

    private DatastoreScaleBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--reopen")) {
            reopen(Path.of(args[1]));
            return;
        }
        if (args.length == 2 && args[0].equals("--large")) {
            large(Path.of(args[1]));
            return;
        }
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/rasd-bench");
        int total = args.length > 1 ? Integer.parseInt(args[1]) : 100_000_000;
        Files.createDirectories(dir);
        Path file = dir.resolve("bench.rds");
        SplittableRandom rnd = new SplittableRandom(42);

        long t = System.nanoTime();
        int[] text = synthetic(total, rnd);
        List<int[]> docs = new ArrayList<>();
        for (int p = 0; p < total; ) {
            int n = Math.min(total - p, 200 + rnd.nextInt(1800));
            docs.add(Arrays.copyOfRange(text, p, p + n));
            p += n;
        }
        report("generate", seconds(t), "%d tokens, %d documents", total, docs.size());

        t = System.nanoTime();
        TokenDatastore heap = TokenDatastore.build(docs);
        report("build", seconds(t), "suffix array over %d tokens (heap)", heap.tokenCount());
        docs = null;

        int[][] fromText = contexts(text, rnd, 10_000, true);
        int[][] random = contexts(text, rnd, 10_000, false);
        queries("query heap, contexts from the text", heap, fromText);
        queries("query heap, random contexts", heap, random);

        t = System.nanoTime();
        heap.save(file, "bench-fingerprint");
        report("save", seconds(t), "%.1f MiB", Files.size(file) / 1048576.0);
        heap = null;
        System.gc();

        t = System.nanoTime();
        TokenDatastore verified = TokenDatastore.open(file, "bench-fingerprint", true);
        report("open + verify checksum", seconds(t), "page cache warm");
        t = System.nanoTime();
        TokenDatastore.open(file, "bench-fingerprint", false);
        report("open without verify", seconds(t), "");
        t = System.nanoTime();
        DatastoreFile.verifyChecksum(file);
        report("verify checksum alone", seconds(t), "");

        queries("query mapped, contexts from the text", verified, fromText);
        queries("query mapped, random contexts", verified, random);

        // run-time adds on top of the mapped base: small segments until the background merge folds them
        int adds = 2000;
        t = System.nanoTime();
        for (int i = 0; i < adds; i++) {
            int p = rnd.nextInt(total - 600);
            verified.add("added-" + i, Arrays.copyOfRange(text, p, p + 100 + rnd.nextInt(400)));
        }
        double addSeconds = seconds(t);
        report(
                "add",
                addSeconds,
                "%d documents, %.0f µs each, %d segments now",
                adds,
                addSeconds / adds * 1e6,
                verified.segmentCount());
        queries("query mapped + added, contexts from the text", verified, fromText);
        t = System.nanoTime();
        verified.awaitMerges();
        report("await merges", seconds(t), "%d segments", verified.segmentCount());
        queries("query mapped + merged, contexts from the text", verified, fromText);
        verified.close();
    }

    private static void large(Path dir) throws Exception {
        int n = 280_000_000; // past 2^28 ints, so the token and suffix sections each take two 1 GiB mappings
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = i;
        }
        DatastoreSegment segment = new DatastoreSegment(
                IntSequence.of(tokens), IntSequence.of(new int[] {n}), IntSequence.of(tokens), new String[] {"all"});
        Files.createDirectories(dir);
        Path file = dir.resolve("large.rds");
        long t = System.nanoTime();
        DatastoreFile.write(file, segment, "bench-fingerprint", null);
        report("write > 2 GiB", seconds(t), "%.2f GiB", Files.size(file) / (double) (1L << 30));
        tokens = null;
        segment = null;
        System.gc();
        t = System.nanoTime();
        TokenDatastore ds = TokenDatastore.open(file, "bench-fingerprint", true);
        report("open + verify > 2 GiB", seconds(t), "%d tokens", ds.tokenCount());
        for (int k : new int[] {0, (1 << 28) - 3, (1 << 28) - 1, 1 << 28, n - 12}) {
            List<Continuation> r = ds.query(new int[] {k, k + 1}, TokenDatastore.QueryConfig.DEFAULT);
            int expected = k + 2;
            if (r.size() != 1 || r.get(0).tokens()[0] != expected || r.get(0).count() != 1) {
                throw new AssertionError("query at " + k + " gave " + r);
            }
        }
        report("queries across the 1 GiB mapping boundary", 0, "all right");
        Files.delete(file);
    }

    private static void reopen(Path file) {
        long t = System.nanoTime();
        TokenDatastore ds = TokenDatastore.open(file, "bench-fingerprint", false);
        report("open without verify", seconds(t), "%d tokens", ds.tokenCount());
        // contexts drawn from the store itself, read through the mapping (the first ones fault pages in)
        SplittableRandom rnd = new SplittableRandom(7);
        DatastoreSegment seg = DatastoreFile.open(file, "bench-fingerprint", null, false);
        int[][] contexts = new int[11_000][];
        for (int i = 0; i < contexts.length; i++) {
            int p = rnd.nextInt(seg.tokenCount() - 8);
            contexts[i] = new int[6];
            for (int j = 0; j < 6; j++) {
                contexts[i][j] = seg.token(p + j);
            }
        }
        t = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            ds.query(contexts[i], TokenDatastore.QueryConfig.DEFAULT);
        }
        double s = seconds(t);
        report("first 1000 queries", s, "%.1f µs/query", s / 1000 * 1e6);
        t = System.nanoTime();
        for (int i = 1000; i < contexts.length; i++) {
            ds.query(contexts[i], TokenDatastore.QueryConfig.DEFAULT);
        }
        s = seconds(t);
        report("next 10000 queries", s, "%.1f µs/query", s / 10_000 * 1e6);
    }

    /** Zipf-like unigrams (exponent 1.1) with copied spans making up about a tenth of the tokens. */
    private static int[] synthetic(int total, SplittableRandom rnd) {
        double[] cdf = new double[VOCAB];
        double sum = 0;
        for (int r = 0; r < VOCAB; r++) {
            sum += 1 / Math.pow(r + 1, 1.1);
            cdf[r] = sum;
        }
        int[] text = new int[total];
        int p = 0;
        while (p < total) {
            // a span (16..112 tokens, mean 64) starts with the probability that makes spans 10% of the tokens
            if (p > 10_000 && rnd.nextDouble() < 0.1 / (0.9 * 64 + 0.1)) {
                int n = Math.min(total - p, 16 + rnd.nextInt(97));
                int from = rnd.nextInt(p - n);
                System.arraycopy(text, from, text, p, n);
                p += n;
            } else {
                double u = rnd.nextDouble() * sum;
                int lo = 0;
                int hi = VOCAB - 1;
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (cdf[mid] < u) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                text[p++] = lo;
            }
        }
        return text;
    }

    private static int[][] contexts(int[] text, SplittableRandom rnd, int n, boolean fromText) {
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            if (fromText) {
                int p = rnd.nextInt(text.length - 8);
                out[i] = Arrays.copyOfRange(text, p, p + 6);
            } else {
                out[i] = new int[6];
                for (int j = 0; j < 6; j++) {
                    out[i][j] = text[rnd.nextInt(text.length)]; // unigram-distributed, independent
                }
            }
        }
        return out;
    }

    private static void queries(String label, TokenDatastore ds, int[][] contexts) {
        long sink = 0;
        for (int i = 0; i < 2000; i++) { // warm-up: JIT and page cache
            sink += ds.query(contexts[i], TokenDatastore.QueryConfig.DEFAULT).size();
        }
        long t = System.nanoTime();
        int hits = 0;
        for (int[] c : contexts) {
            int r = ds.query(c, TokenDatastore.QueryConfig.DEFAULT).size();
            hits += r > 0 ? 1 : 0;
            sink += r;
        }
        double s = seconds(t);
        report(
                label,
                s,
                "%.1f µs/query over %d queries, %d with continuations (%d)",
                s / contexts.length * 1e6,
                contexts.length,
                hits,
                sink);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static void report(String what, double seconds, String format, Object... args) {
        System.out.printf(Locale.ROOT, "%-48s %8.2f s  %s%n", what, seconds, String.format(Locale.ROOT, format, args));
    }
}
