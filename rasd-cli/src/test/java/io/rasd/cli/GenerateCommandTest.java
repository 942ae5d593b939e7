package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.model.CheckpointEdits;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {

    static final String MODEL = TestData.hf("llama-gqa-f32").toString();

    private static JsonObject golden() throws IOException {
        return JsonParser.parseString(
                        Files.readString(TestData.hf("llama-gqa-f32").resolve("golden.json")))
                .getAsJsonObject();
    }

    private static String csv(JsonArray a) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(a.get(i).getAsInt());
        }
        return sb.toString();
    }

    @Test
    void jsonOutputFollowsTheContractAndGreedyTokensMatchTransformers() throws IOException {
        JsonObject g = golden();
        JsonArray expected = g.getAsJsonArray("greedy_new_tokens");
        CliRunner r = CliRunner.run(
                "generate",
                "--model",
                MODEL,
                "--prompt-ids",
                csv(g.getAsJsonArray("prompt_ids")),
                "--max-new-tokens",
                "32",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonObject o = JsonParser.parseString(r.out().trim()).getAsJsonObject();
        assertThat(o.get("mode").getAsString()).isEqualTo("ar");
        assertThat(o.get("prompt_tokens").getAsInt())
                .isEqualTo(g.getAsJsonArray("prompt_ids").size());
        JsonArray tokens = o.getAsJsonArray("tokens");
        // generation stops at an eos id (1); up to there it must be transformers' greedy sequence
        int eosAt = IntStream.range(0, expected.size())
                .filter(i -> expected.get(i).getAsInt() == 1)
                .findFirst()
                .orElse(-1);
        int n = eosAt < 0 ? 32 : eosAt + 1;
        assertThat(tokens.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(tokens.get(i).getAsInt())
                    .as("token %d", i)
                    .isEqualTo(expected.get(i).getAsInt());
        }
        assertThat(o.get("finish_reason").getAsString()).isEqualTo(eosAt < 0 ? "length" : "stop");
        assertThat(o.has("text")).isTrue();
        JsonObject stats = o.getAsJsonObject("stats");
        assertThat(stats.get("target_forwards").getAsInt()).isEqualTo(n);
        assertThat(stats.get("mean_accepted").getAsDouble()).isEqualTo(1.0);
        assertThat(stats.has("tokens_per_second")).isTrue();
        assertThat(stats.has("seconds")).isTrue();
    }

    @Test
    void textPromptStreamsTextWithoutJson() {
        CliRunner r = CliRunner.run("generate", "--model", MODEL, "--prompt", "def main():", "--max-new-tokens", "5");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("[ar] 5 tokens");
    }

    @Test
    void chatPromptGoesThroughTheChatTemplate() {
        CliRunner r = CliRunner.run(
                "generate", "--model", MODEL, "--chat", "--prompt", "hello", "--max-new-tokens", "3", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        // bos + "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n" is longer than the raw text
        assertThat(JsonParser.parseString(r.out().trim())
                        .getAsJsonObject()
                        .get("prompt_tokens")
                        .getAsInt())
                .isGreaterThan(6);
    }

    @Test
    void sameSeedGivesTheSameSample() {
        String[] args = {
            "generate",
            "--model",
            MODEL,
            "--prompt-ids",
            "0,50,60,70",
            "--max-new-tokens",
            "16",
            "--temperature",
            "1.0",
            "--top-k",
            "20",
            "--seed",
            "1234",
            "--json"
        };
        CliRunner a = CliRunner.run(args);
        CliRunner b = CliRunner.run(args);
        assertThat(a.exitCode()).as(a.err()).isZero();
        JsonArray ta = JsonParser.parseString(a.out().trim()).getAsJsonObject().getAsJsonArray("tokens");
        JsonArray tb = JsonParser.parseString(b.out().trim()).getAsJsonObject().getAsJsonArray("tokens");
        assertThat(ta).isEqualTo(tb);
    }

    @Test
    void stopStringEndsGenerationAndIsNotInTheText() {
        CliRunner full = CliRunner.run(
                "generate", "--model", MODEL, "--prompt-ids", "0,50,60,70", "--max-new-tokens", "24", "--json");
        String text = JsonParser.parseString(full.out().trim())
                .getAsJsonObject()
                .get("text")
                .getAsString();
        String stop = text.substring(text.length() / 2, text.length() / 2 + 2);
        if (stop.isBlank()) {
            return; // this fixture's text has nothing to cut on at that point
        }
        CliRunner r = CliRunner.run(
                "generate",
                "--model",
                MODEL,
                "--prompt-ids",
                "0,50,60,70",
                "--max-new-tokens",
                "24",
                "--stop",
                stop,
                "--json");
        JsonObject o = JsonParser.parseString(r.out().trim()).getAsJsonObject();
        assertThat(o.get("finish_reason").getAsString()).isEqualTo("stop");
        assertThat(o.get("text").getAsString()).isEqualTo(text.substring(0, text.indexOf(stop)));
    }

    @Test
    void dtypeBf16GeneratesAndEveryModeEqualsItsOwnPlainDecoding() {
        JsonArray reference = null;
        for (String mode : new String[] {"ar", "pld", "draft"}) {
            CliRunner r = CliRunner.run(
                    "generate",
                    "--model",
                    MODEL,
                    "--draft",
                    MODEL,
                    "--dtype",
                    "bf16",
                    "--prompt-ids",
                    "5,6,7,5,6",
                    "--max-new-tokens",
                    "12",
                    "--mode",
                    mode,
                    "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonArray tokens =
                    JsonParser.parseString(r.out().trim()).getAsJsonObject().getAsJsonArray("tokens");
            assertThat(tokens.size()).isEqualTo(12);
            if (reference == null) {
                reference = tokens;
            }
            assertThat(tokens).as(mode).isEqualTo(reference);
        }
    }

    @Test
    void anUnknownDtypeOrAGpuWithoutCudaExitsWithCodeTwoNamingTheOption() {
        CliRunner dtype = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--dtype", "f8");
        assertThat(dtype.exitCode()).isEqualTo(2);
        assertThat(dtype.err()).contains("--dtype").contains("f8").contains("bf16");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0, "this machine has a CUDA GPU");
        CliRunner gpu = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--device", "gpu");
        assertThat(gpu.exitCode()).isEqualTo(2);
        assertThat(gpu.err()).contains("pytorch-native-cu128").contains("--device cpu");
    }

    @Test
    void badInputExitsWithCodeTwoAndAClearMessage(@TempDir Path tmp) throws IOException {
        assertThat(CliRunner.run("generate", "--model", tmp.resolve("missing").toString(), "--prompt", "x"))
                .satisfies(r -> {
                    assertThat(r.exitCode()).isEqualTo(2);
                    assertThat(r.err()).contains("missing").contains("does not exist");
                });
        CliRunner nan = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--temperature", "NaN");
        assertThat(nan.exitCode()).isEqualTo(2);
        assertThat(nan.err()).contains("temperature");
        CliRunner topP = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--top-p", "1.5");
        assertThat(topP.err()).contains("top-p");
        CliRunner ids = CliRunner.run("generate", "--model", MODEL, "--prompt-ids", "1,x,3");
        assertThat(ids.exitCode()).isEqualTo(2);
        assertThat(ids.err()).contains("element 2");
        CliRunner empty = CliRunner.run("generate", "--model", MODEL, "--prompt", "   ");
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("empty");
        CliRunner mode = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--mode", "turbo");
        assertThat(mode.err()).contains("turbo");
        String longPrompt = String.join(",", java.util.Collections.nCopies(200, "7"));
        CliRunner tooLong = CliRunner.run("generate", "--model", MODEL, "--prompt-ids", longPrompt);
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("200 tokens").contains("context window");
        CliRunner outOfVocab = CliRunner.run("generate", "--model", MODEL, "--prompt-ids", "0,99999");
        assertThat(outOfVocab.exitCode()).isEqualTo(2);
        assertThat(outOfVocab.err()).contains("99999");
        CliRunner zero = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--max-new-tokens", "0");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("max-new-tokens");
    }

    @Test
    void checkWeightsRefusesANanWeightWithExitCodeTwoAndLoadsCleanOnes(@TempDir Path tmp) throws IOException {
        Path dir = CheckpointEdits.copy(TestData.hf("llama-gqa-f32"), tmp.resolve("m"));
        CheckpointEdits.overwrite(
                dir.resolve("model.safetensors"), "model.layers.1.self_attn.o_proj.weight", 5, Float.NaN);
        CliRunner bad = CliRunner.run(
                "generate",
                "--model",
                dir.toString(),
                "--prompt-ids",
                "0,10",
                "--max-new-tokens",
                "2",
                "--check-weights");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err())
                .contains("model.layers.1.self_attn.o_proj.weight")
                .contains("model.safetensors")
                .contains("NaN at index [0, 5]");
        CliRunner clean = CliRunner.run(
                "generate", "--model", MODEL, "--prompt-ids", "0,10", "--max-new-tokens", "2", "--check-weights");
        assertThat(clean.exitCode()).as(clean.err()).isZero();
    }

    @Test
    void modelWithoutTokenizerIsExplained(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        for (String f : new String[] {"config.json", "model.safetensors", "generation_config.json"}) {
            Files.copy(TestData.hf("llama-gqa-f32").resolve(f), dir.resolve(f));
        }
        CliRunner r = CliRunner.run("generate", "--model", dir.toString(), "--prompt", "hi");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("tokenizer.json");
    }

    @Test
    void speculativeModesPrintTheSameTokensAsPlainDecodingWithSourceAccounting(@TempDir Path tmp) throws IOException {
        Path doc = tmp.resolve("doc.txt");
        Files.writeString(doc, "def main():\n    return helper(1, 2)\n\ndef helper(a, b):\n    return a + b\n");
        String[] base = {
            "generate",
            "--model",
            MODEL,
            "--prompt",
            "def main():\n    return helper(",
            "--max-new-tokens",
            "24",
            "--json",
            "--datastore-text",
            doc.toString(),
            "--draft",
            TestData.hf("qwen3-bf16").toString()
        };
        JsonArray reference = null;
        for (String mode : new String[] {"ar", "draft", "pld", "datastore", "rasd-pld", "rasd-datastore", "rasd"}) {
            String[] args = java.util.Arrays.copyOf(base, base.length + 2);
            args[base.length] = "--mode";
            args[base.length + 1] = mode;
            CliRunner r = CliRunner.run(args);
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonObject o = JsonParser.parseString(r.out().trim()).getAsJsonObject();
            assertThat(o.get("mode").getAsString()).isEqualTo(mode);
            JsonObject bySource = o.getAsJsonObject("stats").getAsJsonObject("accepted_by_source");
            assertThat(bySource.keySet()).contains("draft", "pld", "datastore", "bonus");
            int credited = bySource.entrySet().stream()
                    .mapToInt(e -> e.getValue().getAsInt())
                    .sum();
            assertThat(credited).isEqualTo(o.getAsJsonArray("tokens").size());
            assertThat(o.getAsJsonObject("stats").keySet())
                    .contains(
                            "draft_seconds",
                            "retrieval_seconds",
                            "verify_seconds",
                            "draft_forwards",
                            "mean_tree_nodes",
                            "fallbacks");
            assertThat(o.getAsJsonObject("config").get("adaptive").getAsBoolean())
                    .isTrue();
            if (mode.contains("rasd") || mode.equals("draft")) {
                assertThat(o.getAsJsonObject("stats").get("draft_forwards").getAsInt())
                        .as(mode)
                        .isPositive();
            }
            if (reference == null) {
                reference = o.getAsJsonArray("tokens");
            } else {
                assertThat(o.getAsJsonArray("tokens")).as(mode).isEqualTo(reference);
            }
        }
    }

    @Test
    void draftModesNeedACompatibleDraftModel(@TempDir Path tmp) {
        CliRunner none = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--mode", "rasd-pld");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("--draft");
        Path small = io.rasd.model.RandomCheckpoint.llama().vocab(300).writeTo(tmp.resolve("small"));
        CliRunner bad = CliRunner.run(
                "generate", "--model", MODEL, "--prompt", "x", "--mode", "draft", "--draft", small.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("vocab_size 300").contains(small.toString());
        CliRunner budget = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--draft-depth", "0");
        assertThat(budget.exitCode()).isEqualTo(2);
        assertThat(budget.err()).contains("--draft-depth 0").contains("draft depth must be in [1, 32]");
    }

    @Test
    void anEagleHeadGivenAsDraftDraftsAndEveryDraftModeEmitsWhatPlainDecodingEmits() {
        String head = TestData.root().resolve("eagle/llama-gqa-f32-nobias").toString();
        JsonArray reference = null;
        for (String mode : new String[] {"ar", "draft", "rasd-pld"}) {
            CliRunner r = CliRunner.run(
                    "generate",
                    "--model",
                    MODEL,
                    "--prompt-ids",
                    "0,10,20,30,10,20,30",
                    "--max-new-tokens",
                    "16",
                    "--json",
                    "--draft",
                    head,
                    "--mode",
                    mode);
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonObject out = JsonParser.parseString(r.out().trim()).getAsJsonObject();
            if (!mode.equals("ar")) {
                assertThat(out.getAsJsonObject("stats").get("draft_forwards").getAsInt())
                        .as("%s: head forwards", mode)
                        .isPositive();
            }
            if (reference == null) {
                reference = out.getAsJsonArray("tokens");
            } else {
                assertThat(out.getAsJsonArray("tokens")).as(mode).isEqualTo(reference);
            }
        }
    }

    @Test
    void aBuiltDatastoreFileServesTheDatastoreModes(@TempDir Path tmp) throws IOException {
        Path doc = tmp.resolve("doc.txt");
        Files.writeString(doc, "def main():\n    return helper(1, 2)\n\ndef helper(a, b):\n    return a + b\n");
        Path store = tmp.resolve("store.rds");
        CliRunner build =
                CliRunner.run("datastore", "build", "--tokenizer", MODEL, "--out", store.toString(), doc.toString());
        assertThat(build.exitCode()).as(build.err()).isZero();
        JsonArray reference = null;
        for (String mode : new String[] {"ar", "datastore", "rasd-datastore"}) {
            CliRunner r = CliRunner.run(
                    "generate",
                    "--model",
                    MODEL,
                    "--prompt",
                    "def main():\n    return helper(",
                    "--max-new-tokens",
                    "16",
                    "--json",
                    "--datastore",
                    store.toString(),
                    "--draft",
                    MODEL,
                    "--mode",
                    mode);
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonArray tokens =
                    JsonParser.parseString(r.out().trim()).getAsJsonObject().getAsJsonArray("tokens");
            if (reference == null) {
                reference = tokens;
            } else {
                assertThat(tokens).as(mode).isEqualTo(reference);
            }
        }
        // a store built with another tokenizer is refused, naming both
        Path otherTok = tmp.resolve("other-tok");
        Files.createDirectories(otherTok);
        Files.writeString(
                otherTok.resolve("tokenizer.json"),
                Files.readString(TestData.hf("tokenizer").resolve("tokenizer.json"))
                        .replace("\"<unk>\"", "\"<unknown>\""));
        Path otherStore = tmp.resolve("other.rds");
        assertThat(CliRunner.run(
                                "datastore",
                                "build",
                                "--tokenizer",
                                otherTok.toString(),
                                "--out",
                                otherStore.toString(),
                                doc.toString())
                        .exitCode())
                .isZero();
        CliRunner wrong = CliRunner.run(
                "generate",
                "--model",
                MODEL,
                "--prompt",
                "x",
                "--mode",
                "datastore",
                "--datastore",
                otherStore.toString());
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).contains(otherStore.toString()).contains("tokenizer");
        CliRunner missing = CliRunner.run(
                "generate",
                "--model",
                MODEL,
                "--prompt",
                "x",
                "--mode",
                "datastore",
                "--datastore",
                tmp.resolve("nope.rds").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.rds");
    }

    @Test
    void datastoreModeWithoutDocumentsIsExplained() {
        CliRunner r = CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--mode", "datastore");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--datastore-text");
    }
}
