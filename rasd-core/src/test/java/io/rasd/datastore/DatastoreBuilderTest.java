package io.rasd.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatastoreBuilderTest {

    static Tokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TestData.hf("tokenizer"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private Path write(String relative, byte[] content) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.write(p, content);
    }

    private Path write(String relative, String text) throws IOException {
        return write(relative, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void foldersBecomeOneDocumentPerTextFileInSortedOrderWithBinaryAndNonUtf8FilesSkipped() throws IOException {
        String b = "The quick brown fox jumps over the lazy dog. The quick brown fox sleeps.";
        String a = "Retrieval drafts tokens; the target model verifies them.";
        write("docs/sub/b.md", b);
        write("docs/a.txt", a);
        write("docs/logo.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 1});
        write("docs/latin1.txt", new byte[] {'c', 'a', 'f', (byte) 0xe9});
        write("docs/.git/config", "[core]");
        List<long[]> progress = new ArrayList<>();
        DatastoreBuilder.Result r = new DatastoreBuilder(tokenizer)
                .progress((done, total) -> progress.add(new long[] {done, total}))
                .build(List.of(dir.resolve("docs")));

        assertThat(r.documents()).isEqualTo(2);
        String root = dir.resolve("docs").toString().replace(File.separatorChar, '/');
        assertThat(r.skipped())
                .extracting(DatastoreBuilder.SkippedFile::path)
                .containsExactly(root + "/latin1.txt", root + "/logo.png");
        assertThat(r.skipped())
                .extracting(DatastoreBuilder.SkippedFile::reason)
                .containsExactly("not UTF-8 text", "binary (contains NUL bytes)");
        int[] ta = tokenizer.encode(a, false);
        int[] tb = tokenizer.encode(b, false);
        assertThat(r.tokens()).isEqualTo(ta.length + tb.length);
        TokenDatastore ds = r.datastore();
        assertThat(ds.contains(root + "/a.txt")).isTrue();
        assertThat(ds.contains(root + "/sub/b.md")).isTrue();
        // "The quick brown fox" is followed by "jumps" once and "sleeps" once, within b.md
        int[] ctx = tokenizer.encode("The quick brown fox", false);
        assertThat(ds.query(ctx, TokenDatastore.QueryConfig.DEFAULT))
                .hasSize(2)
                .allSatisfy(c -> assertThat(c.count()).isEqualTo(1));

        long total = progress.get(0)[1];
        assertThat(progress.get(progress.size() - 1)).containsExactly(total, total);
        assertThat(progress).extracting(p -> p[0]).isSorted();
    }

    @Test
    void aBuiltStoreSavesAndReopensWithItsTokenizerAndRefusesAnother() throws IOException {
        Path text = write("one.txt", "Speculative decoding verifies drafted tokens in one pass.");
        TokenDatastore ds = new DatastoreBuilder(tokenizer).build(List.of(text)).datastore();
        Path file = dir.resolve("out/store.rds");
        ds.save(file, tokenizer);
        DatastoreFile.Header h = DatastoreFile.readHeader(file);
        assertThat(h.tokenizerFingerprint()).isEqualTo(tokenizer.fingerprint());
        assertThat(h.tokenizerSource())
                .isEqualTo(tokenizer.directory().toAbsolutePath().toString());
        int[] ctx = tokenizer.encode("Speculative decoding", false);
        List<Continuation> expected = ds.query(ctx, TokenDatastore.QueryConfig.DEFAULT);
        assertThat(expected).isNotEmpty();
        assertThat(TokenDatastoreTest.answers(
                        TokenDatastore.open(file, tokenizer).query(ctx, TokenDatastore.QueryConfig.DEFAULT)))
                .isEqualTo(TokenDatastoreTest.answers(expected));
        assertThatThrownBy(() -> TokenDatastore.open(file, "0123456789abcdef0123"))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(tokenizer.directory().toAbsolutePath().toString())
                .hasMessageContaining("0123456789abcdef");
    }

    @Test
    void theSameInputsGiveTheSameFileByteForByte() throws IOException {
        write("d/x.txt", "alpha beta gamma");
        write("d/y/z.txt", "delta epsilon");
        Path f1 = dir.resolve("1.rds");
        Path f2 = dir.resolve("2.rds");
        new DatastoreBuilder(tokenizer)
                .build(List.of(dir.resolve("d")))
                .datastore()
                .save(f1, tokenizer);
        new DatastoreBuilder(tokenizer)
                .build(List.of(dir.resolve("d"), dir.resolve("d/x.txt")))
                .datastore()
                .save(f2, tokenizer);
        assertThat(Files.readAllBytes(f2)).isEqualTo(Files.readAllBytes(f1));
    }

    @Test
    void aMissingInputIsNamed() {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> new DatastoreBuilder(tokenizer).build(List.of(missing)))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void inputsWithoutAnyTextFileAreAnError() throws IOException {
        write("bin/blob", new byte[] {1, 0, 2});
        assertThatThrownBy(() -> new DatastoreBuilder(tokenizer).build(List.of(dir.resolve("bin"))))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("no UTF-8 text files")
                .hasMessageContaining("blob");
    }
}
