package io.rasd.model;

import static io.rasd.model.CheckpointEdits.editConfig;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of broken checkpoint ends in a RasdException that names the file and what was expected. */
class CheckpointErrorsTest {

    @TempDir
    Path tmp;

    private Path model() {
        return RandomCheckpoint.llama().layers(1).writeTo(tmp.resolve("m"));
    }

    private static void load(Path dir) {
        CausalLm.load(dir, Device.cpu(), 0).close();
    }

    /** A safetensors file with the given header JSON and data bytes, and a declared header length. */
    private static void writeRaw(Path file, long declaredHeaderLength, String header, int dataBytes)
            throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength).put(h);
        Files.write(file, b.array());
    }

    @Test
    void missingDirectoryIsNamed() {
        assertThatThrownBy(() -> load(tmp.resolve("nope")))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("nope")
                .hasMessageContaining("does not exist");
    }

    @Test
    void missingConfigJsonIsNamed() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("config.json"));
        assertThatThrownBy(() -> load(dir)).isInstanceOf(RasdException.class).hasMessageContaining("config.json");
    }

    @Test
    void unsupportedArchitectureNamesFieldAndValue() throws IOException {
        Path dir = model();
        editConfig(dir, "LlamaForCausalLM", "GPT2LMHeadModel");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("architectures[0]")
                .hasMessageContaining("GPT2LMHeadModel")
                .hasMessageContaining("LlamaForCausalLM");
    }

    @Test
    void unsupportedRopeTypeNamesFieldAndValue() throws IOException {
        Path dir = model();
        editConfig(
                dir,
                "\"rope_theta\": 10000.0,",
                "\"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0},");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("rope_type")
                .hasMessageContaining("yarn");
    }

    @Test
    void unsupportedActivationIsRejected() throws IOException {
        Path dir = model();
        editConfig(dir, "\"silu\"", "\"gelu\"");
        assertThatThrownBy(() -> load(dir)).isInstanceOf(RasdException.class).hasMessageContaining("hidden_act");
    }

    @Test
    void missingWeightsFileSaysWhatWasExpected() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("model.safetensors"));
        assertThatThrownBy(() -> load(dir)).isInstanceOf(RasdException.class).hasMessageContaining("model.safetensors");
    }

    @Test
    void truncatedFileIsDetectedBeforeMapping() throws IOException {
        Path dir = model();
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 1000));
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("Corrupt safetensors")
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("truncated");
    }

    @Test
    void headerLengthBeyondFileSizeIsRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        writeRaw(f, 1L << 40, "{}", 0);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("header length");
        writeRaw(f, -5, "{}", 0);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("header length");
    }

    @Test
    void tinyFileIsRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("shorter than");
    }

    @Test
    void headerThatIsNotJsonIsRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        String h = "{\"a\": [not json";
        writeRaw(f, h.length(), h, 0);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("not a JSON object");
    }

    @Test
    void overlappingTensorsAreRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        writeRaw(f, h.length(), h, 16);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("overlap");
    }

    @Test
    void outOfRangeOffsetsAreRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        writeRaw(f, h.length(), h, 8);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("outside the data region");
    }

    @Test
    void byteCountThatDisagreesWithDtypeAndShapeIsRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}";
        writeRaw(f, h.length(), h, 16);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("need 12");
    }

    @Test
    void quantisedDtypeIsRejectedByName() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        String h = "{\"a\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}";
        writeRaw(f, h.length(), h, 4);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("I8");
    }

    @Test
    void tensorShapeThatDisagreesWithConfigIsNamed() throws IOException {
        Path dir = model();
        editConfig(dir, "\"intermediate_size\": 160", "\"intermediate_size\": 128");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("mlp.gate_proj.weight")
                .hasMessageContaining("[160, 64]")
                .hasMessageContaining("[128, 64]");
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = model();
        editConfig(dir, "\"num_hidden_layers\": 1", "\"num_hidden_layers\": 2");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("model.layers.1.input_layernorm.weight");
    }

    @Test
    void untiedModelWithoutLmHeadIsExplained() throws IOException {
        Path dir = RandomCheckpoint.llama().layers(1).tied(true).writeTo(tmp.resolve("t"));
        editConfig(dir, "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("lm_head.weight")
                .hasMessageContaining("tie_word_embeddings");
    }

    @Test
    void headsThatDoNotDivideIntoKvGroupsAreRejected() throws IOException {
        Path dir = model();
        editConfig(dir, "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("num_key_value_heads");
    }

    @Test
    void shardIndexPointingAtAMissingShardIsNamed() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.embed_tokens.weight\": \"model-00001-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("model-00001-of-00002.safetensors");
    }

    @Test
    void shardIndexEscapingTheModelDirectoryIsRejected() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.embed_tokens.weight\": \"../../etc/passwd\"}}");
        assertThatThrownBy(() -> load(dir))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("inside the model directory");
    }
    // regression examples found by SafeTensorsFuzzTest: each threw something other than a RasdException

    @Test
    void dtypeThatIsNotAStringIsRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        for (String dtype : new String[] {"{\"a\":1}", "null", "[\"F32\",\"F16\"]", "[\"F32\"]"}) {
            String h = "{\"a\":{\"dtype\":" + dtype + ",\"shape\":[1],\"data_offsets\":[0,4]}}";
            writeRaw(f, h.length(), h, 4);
            assertThatThrownBy(() -> SafeTensorsFile.open(f))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("dtype")
                    .hasMessageContaining("\"a\"");
        }
    }

    @Test
    void shapeWhoseSizeOverflowsIsRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        String h = "{\"a\":{\"dtype\":\"F16\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}";
        writeRaw(f, h.length(), h, 4);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("overflows");
        // the element count fits, the byte count does not
        h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2305843009213693952],\"data_offsets\":[0,4]}}";
        writeRaw(f, h.length(), h, 4);
        assertThatThrownBy(() -> SafeTensorsFile.open(f))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("overflows");
    }

    @Test
    void shardIndexWhoseShardIsNotAStringIsRejected() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("model.safetensors"));
        for (String shard : new String[] {"null", "{}", "[\"a\", \"b\"]"}) {
            Files.writeString(
                    dir.resolve("model.safetensors.index.json"),
                    "{\"weight_map\": {\"model.embed_tokens.weight\": " + shard + "}}");
            assertThatThrownBy(() -> load(dir))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("model.embed_tokens.weight")
                    .hasMessageContaining("file name of a shard");
        }
    }

    @Test
    void shardIndexNamingTheRootOrNoPathAtAllIsRejected() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("model.safetensors"));
        for (String shard : new String[] {"/", "a.safetensors\\u0000x"}) {
            Files.writeString(
                    dir.resolve("model.safetensors.index.json"),
                    "{\"weight_map\": {\"model.embed_tokens.weight\": \"" + shard + "\"}}");
            assertThatThrownBy(() -> load(dir))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("inside the model directory");
        }
    }
}
