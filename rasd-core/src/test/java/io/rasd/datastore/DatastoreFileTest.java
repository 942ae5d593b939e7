package io.rasd.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatastoreFileTest {

    static final String FP = "fingerprint-a";

    @TempDir
    Path dir;

    static List<int[]> randomDocs(SplittableRandom rnd, int vocab, int maxDocs, int maxLength) {
        List<int[]> docs = new ArrayList<>();
        for (int d = 0, nd = 1 + rnd.nextInt(maxDocs); d < nd; d++) {
            docs.add(rnd.ints(rnd.nextInt(0, maxLength), 0, vocab).toArray());
        }
        return docs;
    }

    /** Query results, samples included (M below the occurrence count), must be identical, not just similar. */
    static void assertSameAnswers(TokenDatastore expected, TokenDatastore actual, SplittableRandom rnd, int vocab) {
        for (int q = 0; q < 50; q++) {
            int[] ctx = rnd.ints(1 + rnd.nextInt(8), 0, vocab).toArray();
            TokenDatastore.QueryConfig c = new TokenDatastore.QueryConfig(
                    1, 1 + rnd.nextInt(5), 1 + rnd.nextInt(6), 1 + rnd.nextInt(5), 1 + rnd.nextInt(8));
            assertThat(TokenDatastoreTest.answers(actual.query(ctx, c)))
                    .isEqualTo(TokenDatastoreTest.answers(expected.query(ctx, c)));
        }
    }

    private Path saved(List<int[]> docs) {
        Path file = dir.resolve("store.rds");
        TokenDatastore.build(docs).save(file, FP);
        return file;
    }

    @Test
    void savedAndReopenedStoreAnswersExactlyAsTheInMemoryOne() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 40; trial++) {
            int vocab = 2 + rnd.nextInt(8);
            List<int[]> docs = randomDocs(rnd, vocab, 6, 60);
            TokenDatastore memory = TokenDatastore.build(docs);
            Path file = dir.resolve("t" + trial + ".rds");
            memory.save(file, FP);
            TokenDatastore mapped = TokenDatastore.open(file, FP);
            assertThat(mapped.documentCount()).isEqualTo(docs.size());
            assertThat(mapped.tokenCount()).isEqualTo(memory.tokenCount());
            assertSameAnswers(memory, mapped, rnd, vocab);
            TokenDatastoreTest.assertMatchesOracle(mapped, docs, rnd, vocab);
        }
    }

    @Test
    void sectionsSplitOverSeveralMappingsReadAsOne() {
        // files over 2 GiB need several mappings per section; 8-int chunks exercise the same arithmetic
        SplittableRandom rnd = new SplittableRandom(4);
        List<int[]> docs = randomDocs(rnd, 5, 8, 80);
        Path file = saved(docs);
        TokenDatastore chunked = TokenDatastore.of(DatastoreFile.open(file, FP, null, true, 3));
        assertSameAnswers(TokenDatastore.build(docs), chunked, rnd, 5);
        TokenDatastoreTest.assertMatchesOracle(chunked, docs, rnd, 5);
    }

    @Test
    void anEmptyStoreRoundTrips() {
        Path file = dir.resolve("empty.rds");
        TokenDatastore.empty().save(file, FP);
        TokenDatastore reopened = TokenDatastore.open(file, FP);
        assertThat(reopened.documentCount()).isZero();
        assertThat(reopened.query(new int[] {1, 2}, TokenDatastore.QueryConfig.DEFAULT))
                .isEmpty();
    }

    @Test
    void headerReportsWhatWasWritten() throws IOException {
        Path file = saved(List.of(new int[] {1, 2, 3}, new int[] {4, 5}));
        DatastoreFile.Header h = DatastoreFile.readHeader(file);
        assertThat(h.version()).isEqualTo(DatastoreFile.VERSION);
        assertThat(h.tokenizerFingerprint()).isEqualTo(FP);
        assertThat(h.tokenCount()).isEqualTo(5);
        assertThat(h.documentCount()).isEqualTo(2);
        assertThat(h.fileBytes()).isEqualTo(Files.size(file));
    }

    @Test
    void aCorruptPayloadByteFailsTheChecksum() throws IOException {
        Path file = saved(List.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8}));
        long payload = DatastoreFile.readHeader(file).headerBytes();
        flipByte(file, payload + 5);
        assertThatThrownBy(() -> TokenDatastore.open(file, FP))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("checksum");
        assertThatThrownBy(() -> DatastoreFile.verifyChecksum(file)).hasMessageContaining("checksum");
        // without verification the damage goes unnoticed: that is what the default protects against
        assertThat(TokenDatastore.open(file, FP, false).tokenCount()).isEqualTo(8);
    }

    @Test
    void aCorruptHeaderByteIsReported() throws IOException {
        Path file = saved(List.of(new int[] {1, 2, 3}));
        flipByte(file, 18); // inside the token count
        assertThatThrownBy(() -> TokenDatastore.open(file, FP))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("corrupt header");
    }

    @Test
    void aTruncatedFileSaysWhatSizeWasExpected() throws IOException {
        Path file = saved(List.of(new int[] {1, 2, 3, 4}, new int[] {5, 6}));
        long size = Files.size(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size - 3);
        }
        assertThatThrownBy(() -> TokenDatastore.open(file, FP))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("expected " + size);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(20);
        }
        assertThatThrownBy(() -> TokenDatastore.open(file, FP)).hasMessageContaining("truncated");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
        }
        assertThatThrownBy(() -> TokenDatastore.open(file, FP)).hasMessageContaining("empty");
    }

    @Test
    void aFileOfAnotherKindIsRejectedByItsMagic() throws IOException {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "just some text that is long enough to hold a header, and then some more");
        assertThatThrownBy(() -> TokenDatastore.open(file, FP))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("not a rasd token datastore")
                .hasMessageContaining(DatastoreFile.MAGIC);
    }

    @Test
    void anotherFormatVersionIsRejected() throws IOException {
        Path file = saved(List.of(new int[] {1, 2, 3}));
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(8);
            f.write(new byte[] {9, 0, 0, 0});
        }
        assertThatThrownBy(() -> TokenDatastore.open(file, FP))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("format version 9")
                .hasMessageContaining("reads version 1");
    }

    @Test
    void aStoreBuiltWithAnotherTokenizerIsRejectedNamingBoth() {
        Path file = dir.resolve("store.rds");
        TokenDatastore.build(List.<int[]>of(new int[] {1, 2})).save(file, FP);
        assertThatThrownBy(() -> TokenDatastore.open(file, "fingerprint-b"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(FP)
                .hasMessageContaining("fingerprint-b")
                .hasMessageContaining("rebuild");
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nowhere.rds");
        assertThatThrownBy(() -> TokenDatastore.open(file, FP))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void aWriteThatFailsBeforeTheRenameLeavesThePreviousFileIntact() throws IOException {
        List<int[]> old = List.of(new int[] {1, 2, 3, 1, 2, 4});
        Path file = saved(old);
        byte[] before = Files.readAllBytes(file);
        DatastoreSegment replacement = DatastoreSegment.build(List.of("x"), List.of(new int[] {7, 7, 7, 7}));
        assertThatThrownBy(() -> DatastoreFile.write(file, replacement, FP, null, () -> {
                    throw new IllegalStateException("simulated crash before rename");
                }))
                .hasMessageContaining("simulated crash");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).containsExactly(file);
        }
        TokenDatastore reopened = TokenDatastore.open(file, FP);
        assertThat(reopened.query(new int[] {1, 2}, TokenDatastore.QueryConfig.DEFAULT))
                .isNotEmpty();
        assertThat(reopened.tokenCount()).isEqualTo(6);
    }

    @Test
    void savingOverAnOpenFileReplacesItForTheNextOpenOnly() {
        Path file = saved(List.of(new int[] {1, 2, 3}));
        TokenDatastore open = TokenDatastore.open(file, FP);
        TokenDatastore.build(List.<int[]>of(new int[] {4, 5, 6, 7})).save(file, FP);
        // the rename swapped the directory entry; the old mapping still reads the old inode
        assertThat(open.query(new int[] {1, 2}, TokenDatastore.QueryConfig.DEFAULT))
                .isNotEmpty();
        assertThat(TokenDatastore.open(file, FP).tokenCount()).isEqualTo(4);
    }

    // regression examples found by DatastoreFileFuzzTest; checksums are recomputed after the edit, as in a crafted file

    @Test
    void aSuffixArrayPointingOutsideTheTokensAnswersQueriesWithoutAnException() throws IOException {
        Path file = saved(List.<int[]>of(new int[] {1, 1, 1, 1, 1, 1}));
        long suffixes = DatastoreFile.readHeader(file).headerBytes() + 4L * 6;
        // rank 2 lies inside the range of [1] and no binary search probes it: the occurrence loop looked up the
        // document after the last one (IndexOutOfBoundsException: 1)
        writeInt(file, suffixes + 4 * 2, 6);
        DatastoreFileFuzzTest.reseal(file);
        TokenDatastore.QueryConfig c = new TokenDatastore.QueryConfig(1, 6, 64, 8, 8);
        for (boolean verify : new boolean[] {true, false}) {
            try (TokenDatastore store = TokenDatastore.open(file, FP, verify)) {
                assertThat(store.query(new int[] {1, 1}, c)).isNotEmpty();
            }
        }
        // every rank at -1: each probe of the binary search read token -1 (IndexOutOfBoundsException: -1)
        for (int rank = 0; rank < 6; rank++) {
            writeInt(file, suffixes + 4L * rank, -1);
        }
        DatastoreFileFuzzTest.reseal(file);
        try (TokenDatastore store = TokenDatastore.open(file, FP)) {
            assertThat(store.query(new int[] {1, 1}, c)).isEmpty();
        }
    }

    @Test
    void tokenIdsFarApartStillBuildASuffixArrayWhenTheStoreIsSaved() throws IOException {
        Path file = saved(List.of(new int[] {1, 2, 3}, new int[] {5, 6}));
        long tokens = DatastoreFile.readHeader(file).headerBytes();
        writeInt(file, tokens, Integer.MIN_VALUE); // ids MIN_VALUE..6: the counting sort's range overflowed
        writeInt(file, tokens + 4, 1 << 30); // and 0..2^30 would have asked for 4 GiB
        DatastoreFileFuzzTest.reseal(file);
        try (TokenDatastore store = TokenDatastore.open(file, FP)) {
            store.remove("1"); // a removal makes save() build a new suffix array
            Path copy = dir.resolve("copy.rds");
            store.save(copy, FP);
            try (TokenDatastore reopened = TokenDatastore.open(copy, FP)) {
                assertThat(reopened.tokenCount()).isEqualTo(3);
                assertThat(TokenDatastoreTest.answers(reopened.query(
                                new int[] {Integer.MIN_VALUE}, new TokenDatastore.QueryConfig(1, 6, 64, 8, 8))))
                        .isNotNull();
            }
        }
        assertThat(SuffixArray.build(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 0, Integer.MIN_VALUE}))
                .containsExactly(3, 1, 2, 0);
    }

    private static void writeInt(Path file, long position, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(position);
            f.writeInt(Integer.reverseBytes(value)); // the file is little-endian
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(position);
            int b = f.read();
            f.seek(position);
            f.write(b ^ 0x5a);
        }
    }
}
