package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatastoreCommandTest {

    static final String TOKENIZER = TestData.hf("tokenizer").toString();

    @TempDir
    Path dir;

    private Path corpus() throws IOException {
        Path docs = dir.resolve("docs");
        Files.createDirectories(docs.resolve("guide"));
        Files.writeString(docs.resolve("intro.md"), "rasd drafts tokens from retrieval and verifies them at once.");
        Files.writeString(docs.resolve("guide/setup.txt"), "Build the datastore once, then open it memory-mapped.");
        Files.write(docs.resolve("image.bin"), new byte[] {0, 1, 2, 3});
        return docs;
    }

    @Test
    void buildThenInfoRoundTrips() throws IOException {
        Path out = dir.resolve("store.rds");
        CliRunner build = CliRunner.run(
                "datastore", "build", "--tokenizer", TOKENIZER, "--out", out.toString(), corpus().toString());
        assertThat(build.exitCode()).as(build.err()).isZero();
        assertThat(build.out()).contains("documents: 2 (1 files skipped)", "tokens:", "seconds:", "file size:");
        assertThat(build.err())
                .contains("warning: skipped")
                .contains("image.bin")
                .doesNotContain("\r");

        CliRunner info = CliRunner.run("datastore", "info", out.toString(), "--tokenizer", TOKENIZER, "--json");
        assertThat(info.exitCode()).as(info.err()).isZero();
        JsonObject o = JsonParser.parseString(info.out()).getAsJsonObject();
        assertThat(o.get("magic").getAsString()).isEqualTo("RASDTOKS");
        assertThat(o.get("version").getAsInt()).isEqualTo(1);
        assertThat(o.get("documents").getAsInt()).isEqualTo(2);
        assertThat(o.get("tokens").getAsLong()).isPositive();
        assertThat(o.get("file_bytes").getAsLong()).isEqualTo(Files.size(out));
        assertThat(o.get("checksum").getAsString()).isEqualTo("ok");
        assertThat(o.get("tokenizer_matches").getAsBoolean()).isTrue();
        assertThat(o.get("tokenizer_fingerprint").getAsString()).hasSize(64);

        CliRunner text = CliRunner.run("datastore", "info", out.toString());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("RASDTOKS version 1", "documents: 2", "checksum:  ok");
    }

    @Test
    void infoWithAnotherTokenizerExitsWithTwoNamingBoth() throws IOException {
        Path out = dir.resolve("store.rds");
        assertThat(CliRunner.run(
                                "datastore",
                                "build",
                                "--tokenizer",
                                TOKENIZER,
                                "--out",
                                out.toString(),
                                corpus().toString())
                        .exitCode())
                .isZero();
        // the same tokenizer with one more added token: another vocabulary, another fingerprint
        Path other = Files.createDirectories(dir.resolve("other-tokenizer"));
        JsonObject json = JsonParser.parseString(
                        Files.readString(TestData.hf("tokenizer").resolve("tokenizer.json")))
                .getAsJsonObject();
        JsonObject extra =
                json.getAsJsonArray("added_tokens").get(0).getAsJsonObject().deepCopy();
        extra.addProperty("id", 4096);
        extra.addProperty("content", "<extra>");
        json.getAsJsonArray("added_tokens").add(extra);
        Files.writeString(other.resolve("tokenizer.json"), json.toString());

        CliRunner r = CliRunner.run("datastore", "info", out.toString(), "--tokenizer", other.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).contains("DOES NOT MATCH");
        assertThat(r.err()).contains(other.toString()).contains("was built with the tokenizer");
    }

    @Test
    void aMissingInputExitsWithTwoAndNamesIt() {
        Path missing = dir.resolve("no-such-folder");
        Path out = dir.resolve("store.rds");
        CliRunner r = CliRunner.run(
                "datastore", "build", "--tokenizer", TOKENIZER, "--out", out.toString(), missing.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("error:").contains(missing.toString()).contains("does not exist");
        assertThat(out).doesNotExist();
    }

    @Test
    void infoOnAFileThatIsNotADatastoreExitsWithTwo() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "not a datastore at all, just text of some length");
        CliRunner r = CliRunner.run("datastore", "info", notes.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("not a rasd token datastore");
    }

    @Test
    void datastoreWithoutSubcommandIsAUsageError() {
        CliRunner r = CliRunner.run("datastore");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("build or info");
    }
}
