package io.rasd.datastore;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.Fuzz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the token datastore file reader ({@link DatastoreFile} through {@link TokenDatastore#open}): whatever the
 * bytes, opening ends in a store or a RasdException, and a store that opens answers queries, adds, removes and saves
 * without any other exception. Checksums catch random damage, so most mutants are "resealed" (both CRCs recomputed
 * after the mutation, as a crafted file would be) to reach the checks behind them: header fields, document ends,
 * document ids and the suffix array.
 */
class DatastoreFileFuzzTest {

    static final Fuzz FUZZ = new Fuzz("datastore file");
    private static final String FP = "fingerprint-a";
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final int HEADER_CRC = 44;
    private static final int PAYLOAD_CRC = 40;

    private static Path dir;
    private static final List<byte[]> VALID = new ArrayList<>();

    record Input(String how, byte[] bytes) {
        @Override
        public String toString() {
            return how + " (" + bytes.length + " bytes)";
        }
    }

    @BeforeAll
    static void writeValidFiles() throws IOException {
        dir = FUZZ.directory();
        Path f = dir.resolve("valid.rds");
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 4; i++) {
            TokenDatastore.build(DatastoreFileTest.randomDocs(rnd, 2 + i * 3, 5, 30))
                    .save(f, FP);
            VALID.add(Files.readAllBytes(f));
        }
        TokenDatastore withIds = TokenDatastore.empty();
        withIds.add("doc-é", new int[] {5, 6, 7, 5, 6});
        withIds.add("", new int[] {});
        withIds.add("third", new int[] {7, 5, 6, 8});
        withIds.save(f, FP);
        VALID.add(Files.readAllBytes(f));
        TokenDatastore.empty().save(f, FP);
        VALID.add(Files.readAllBytes(f));
        Files.delete(f);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        FUZZ.finish();
    }

    // ---- properties ----

    @Test
    void randomBytesOpenOrFailWithRasdException() {
        Fuzz.forAll(
                1500,
                r -> {
                    byte[] bytes = Fuzz.bytes(r, 200);
                    boolean magic = r.nextBoolean();
                    byte[] b = bytes;
                    if (magic) { // past the magic check, into the header checks
                        b = Arrays.copyOf(DatastoreFile.MAGIC.getBytes(StandardCharsets.US_ASCII), 8 + bytes.length);
                        System.arraycopy(bytes, 0, b, 8, bytes.length);
                    }
                    return new Input(magic ? "magic + random bytes" : "random bytes", b);
                },
                DatastoreFileFuzzTest::check);
    }

    @Test
    void damagedValidFilesOpenOrFailWithRasdException() {
        Fuzz.forAll(3000, DatastoreFileFuzzTest::damaged, DatastoreFileFuzzTest::check);
    }

    @Test
    void craftedFilesWithValidChecksumsOpenOrFailWithRasdException() {
        Fuzz.forAll(6000, DatastoreFileFuzzTest::crafted, DatastoreFileFuzzTest::check);
    }

    // ---- the contract ----

    private static void check(Input input) {
        Path f = dir.resolve("fuzz.rds");
        try {
            Files.write(f, input.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long t0 = System.nanoTime();
        Fuzz.call(LIMIT, () -> DatastoreFile.readHeader(f));
        boolean opened = false;
        for (boolean verify : new boolean[] {true, false}) {
            Fuzz.Outcome<TokenDatastore> o = Fuzz.call(LIMIT, () -> {
                TokenDatastore store = TokenDatastore.open(f, FP, verify);
                try {
                    exercise(store, f);
                } finally {
                    store.close();
                }
                return store;
            });
            opened |= verify && o.accepted();
        }
        FUZZ.record(opened, System.nanoTime() - t0);
    }

    /** What callers do with an opened store; none of it may throw. */
    private static void exercise(TokenDatastore store, Path file) throws IOException {
        assertThat(store.tokenCount()).isNotNegative();
        assertThat(store.documentCount()).isNotNegative();
        Random r = new Random(store.tokenCount() * 31L + store.documentCount());
        TokenDatastore.QueryConfig c = new TokenDatastore.QueryConfig(1, 4, 8, 4, 8);
        for (int q = 0; q < 12; q++) {
            int[] ctx = new int[1 + r.nextInt(5)];
            for (int i = 0; i < ctx.length; i++) {
                ctx[i] = r.nextInt(8) == 0 ? r.nextInt() : r.nextInt(12);
            }
            for (Continuation cont : store.query(ctx, c)) {
                assertThat(cont.count()).isPositive();
                assertThat(cont.tokens()).isNotEmpty();
            }
        }
        store.add("fuzz-added", new int[] {1, 2, 3, 1, 2});
        assertThat(store.query(new int[] {1, 2}, c)).isNotEmpty();
        store.remove("fuzz-added");
        store.remove("0");
        if (r.nextInt(4) != 0) {
            return; // saving forces the file to disk: a quarter of the inputs is enough
        }
        Path copy = file.resolveSibling("copy.rds");
        store.save(copy, FP);
        try (TokenDatastore reopened = TokenDatastore.open(copy, FP)) {
            assertThat(reopened.tokenCount()).isEqualTo(store.tokenCount());
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    // ---- generators ----

    /** One byte-level mutation of a valid file. */
    static Input damaged(RandomGenerator r) {
        byte[] b = VALID.get(r.nextInt(VALID.size())).clone();
        StringBuilder how = new StringBuilder("valid file");
        b = byteMutations(r, b, how);
        return new Input(how.toString(), b);
    }

    /** One or two mutations of a valid file, mostly of its fields, with both checksums recomputed after them. */
    static Input crafted(RandomGenerator r) {
        byte[] b = VALID.get(r.nextInt(VALID.size())).clone();
        StringBuilder how = new StringBuilder("valid file");
        for (int k = 0, n = 1 + r.nextInt(2); k < n; k++) {
            b = r.nextInt(4) == 0 ? byteMutations(r, b, how) : fieldMutation(r, b, how);
        }
        reseal(b);
        how.append(", checksums recomputed");
        return new Input(how.toString(), b);
    }

    /** Bit flips, truncation, appended bytes, an overwritten int. */
    static byte[] byteMutations(RandomGenerator r, byte[] b, StringBuilder how) {
        switch (r.nextInt(4)) {
            case 0 -> {
                int flips = 1 + r.nextInt(6);
                for (int i = 0; i < flips && b.length > 0; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                how.append(", ").append(flips).append(" bit flips");
            }
            case 1 -> {
                int cut = r.nextInt(b.length + 1);
                b = Arrays.copyOf(b, cut);
                how.append(", truncated to ").append(cut);
            }
            case 2 -> {
                int extra = 1 + r.nextInt(16);
                b = Arrays.copyOf(b, b.length + extra);
                how.append(", ").append(extra).append(" zero bytes appended");
            }
            default -> {
                if (b.length >= 4) {
                    int at = r.nextInt(b.length - 3);
                    int v = interestingInt(r, b.length);
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
                    how.append(", int at ").append(at).append(" = ").append(v);
                }
            }
        }
        return b;
    }

    /** Sets one header field or one payload slot (token, suffix, document end, id length) to a hostile value. */
    static byte[] fieldMutation(RandomGenerator r, byte[] b, StringBuilder how) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length < 56) {
            return b;
        }
        int h = bb.getInt(12);
        long t = bb.getLong(16);
        long n = bb.getLong(24);
        boolean sane = h >= 56
                && h <= b.length
                && t >= 0
                && t <= b.length
                && n >= 0
                && n <= b.length
                && h + 8 * t + 4 * n <= b.length;
        int which = r.nextInt(sane ? 12 : 6);
        switch (which) {
            case 0 -> {
                int v = r.nextBoolean() ? interestingInt(r, 56) : (r.nextInt(16) * 8);
                bb.putInt(12, v);
                how.append(", header length ").append(v);
            }
            case 1 -> {
                long v = Fuzz.interestingLong(r, t);
                bb.putLong(16, v);
                how.append(", token count ").append(v);
            }
            case 2 -> {
                long v = Fuzz.interestingLong(r, n);
                bb.putLong(24, v);
                how.append(", document count ").append(v);
            }
            case 3 -> {
                long v = Fuzz.interestingLong(r, bb.getLong(32));
                bb.putLong(32, v);
                how.append(", document id bytes ").append(v);
            }
            case 4 -> {
                int v = interestingInt(r, bb.getInt(48));
                bb.putInt(48, v);
                how.append(", fingerprint length ").append(v);
            }
            case 5 -> {
                int v = interestingInt(r, 1);
                bb.putInt(8, v);
                how.append(", version ").append(v);
            }
            case 6, 7 -> {
                if (t > 0) { // a suffix array entry
                    int slot = r.nextInt((int) t);
                    int v = interestingInt(r, (int) t);
                    bb.putInt(h + 4 * (int) t + 4 * slot, v);
                    how.append(", suffix[").append(slot).append("] = ").append(v);
                }
            }
            case 8 -> {
                if (t > 0) {
                    int slot = r.nextInt((int) t);
                    int v = interestingInt(r, 10);
                    bb.putInt(h + 4 * slot, v);
                    how.append(", token[").append(slot).append("] = ").append(v);
                }
            }
            case 9 -> {
                if (n > 0) {
                    int slot = r.nextInt((int) n);
                    int v = interestingInt(r, (int) t);
                    bb.putInt(h + 8 * (int) t + 4 * slot, v);
                    how.append(", docEnd[").append(slot).append("] = ").append(v);
                }
            }
            case 10 -> {
                if (n > 0) { // the first document id's length
                    int at = (int) (h + 8 * t + 4 * n);
                    if (at + 4 <= b.length) {
                        int v = interestingInt(r, bb.getInt(at));
                        bb.putInt(at, v);
                        how.append(", first id length ").append(v);
                    }
                }
            }
            default -> {
                int idStart = (int) (h + 8 * t + 4 * n);
                if (idStart < b.length) { // non-UTF-8 bytes in the document ids
                    int at = idStart + r.nextInt(b.length - idStart);
                    b[at] = (byte) (r.nextBoolean() ? 0xff : 0xc3);
                    how.append(", byte ").append(at).append(" of the ids = invalid UTF-8");
                }
            }
        }
        return b;
    }

    /** {@link #reseal(byte[])} for a file. */
    static void reseal(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        reseal(b);
        Files.write(file, b);
    }

    /** Recomputes both checksums as the writer does, so the mutation is seen by the checks behind them. */
    static void reseal(byte[] b) {
        if (b.length < 52) {
            return;
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int h = bb.getInt(12);
        if (h < 52 || h > b.length) {
            return;
        }
        CRC32C payload = new CRC32C();
        payload.update(b, h, b.length - h);
        bb.putInt(PAYLOAD_CRC, (int) payload.getValue());
        bb.putInt(HEADER_CRC, 0);
        CRC32C header = new CRC32C();
        header.update(b, 0, h);
        bb.putInt(HEADER_CRC, (int) header.getValue());
    }

    static int interestingInt(RandomGenerator r, int near) {
        return switch (r.nextInt(9)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> near;
            case 3 -> near + 1;
            case 4 -> near - 1;
            case 5 -> Integer.MAX_VALUE;
            case 6 -> Integer.MIN_VALUE;
            case 7 -> r.nextInt((int) Math.min(Integer.MAX_VALUE, Math.max(1L, near + 4L)));
            default -> r.nextInt();
        };
    }
}
