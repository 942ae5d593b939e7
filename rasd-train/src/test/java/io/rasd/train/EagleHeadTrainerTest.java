package io.rasd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.draft.eagle.EagleHeadFormat;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.model.DType;
import io.rasd.model.EagleHead;
import io.rasd.model.Logits;
import io.rasd.model.RandomCheckpoint;
import io.rasd.testing.RandomEagleHead;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EagleHeadTrainerTest {

    @TempDir
    Path tmp;

    private static void assertSameLogits(float[][] trainer, Logits inference, int vocab) {
        assertThat(inference.rows()).isEqualTo(trainer.length);
        for (int i = 0; i < trainer.length; i++) {
            float[] row = inference.row(i);
            for (int v = 0; v < vocab; v++) {
                assertThat(trainer[i][v]).as("row %d id %d", i, v).isCloseTo(row[v], within(1e-3f));
            }
        }
    }

    @Test
    void theTrainersForwardIsTheInferenceHeadsForwardBeforeAndAfterTraining() throws Exception {
        int[] ids = {5, 9, 33, 2, 17, 60, 8, 200, 311, 7, 64};
        // a grouped-query target with its own lm_head, and a published-layout random head with an fc bias
        Path gqa = RandomCheckpoint.llama().hidden(64).heads(4, 2).seed(3).writeTo(tmp.resolve("gqa"));
        Path random = RandomEagleHead.write(gqa, tmp.resolve("random-head"), 4, true, false);
        try (CausalLm lm = CausalLm.load(gqa, Device.cpu(), 0);
                EagleHeadTrainer t = new EagleHeadTrainer(gqa, true, 1);
                EagleHead head = EagleHead.load(random, lm, true);
                Logits expected = head.teacherForced(ids)) {
            t.loadHead(random);
            assertSameLogits(t.logits(EagleData.features(lm, ids)), expected, 512);
        }
        // a tied target, a head without bias, after a few steps, through save and EagleHead.load
        Path tied = RandomCheckpoint.llama().hidden(64).tied(true).seed(5).writeTo(tmp.resolve("tied"));
        try (CausalLm lm = CausalLm.load(tied, Device.cpu(), 0);
                EagleHeadTrainer t = new EagleHeadTrainer(tied, false, 2)) {
            EagleHeadTrainer.Example ex = EagleData.features(lm, ids);
            for (int s = 0; s < 3; s++) {
                t.step(List.of(ex, ex), 1e-2, 0.01, 0.5, 0.2f);
            }
            Path saved = tmp.resolve("trained-head");
            t.save(saved, DType.F32, false);
            EagleHeadFormat format = EagleHeadFormat.inspect(saved, lm.config());
            assertThat(format.hasFcBias()).isFalse();
            try (EagleHead head = EagleHead.load(saved, lm, false);
                    Logits expected = head.teacherForced(ids)) {
                assertSameLogits(t.logits(ex), expected, 512);
            }
        }
    }

    @Test
    void trainingLowersTheLossRaisesAgreementAndTheHeadDraftsLosslessly() throws Exception {
        Path target = RandomCheckpoint.llama()
                .hidden(64)
                .seed(1)
                .residualScale(0.02)
                .tokenizerFrom(TestData.hf("tokenizer"))
                .writeTo(tmp.resolve("target"));
        Path corpus = Files.createDirectories(tmp.resolve("corpus"));
        SplittableRandom rnd = new SplittableRandom(7);
        String[] words = {"the", "head", "reads", "features", "of", "a", "target", "model", "and", "drafts", "tokens"};
        for (int f = 0; f < 3; f++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 400; w++) {
                sb.append(words[rnd.nextInt(words.length)]).append(w % 13 == 12 ? ".\n" : " ");
            }
            Files.writeString(corpus.resolve("doc" + f + ".txt"), sb.toString());
        }
        Path out = tmp.resolve("head");
        Path work = tmp.resolve("work");
        String[] args = {
            "--target", target.toString(),
            "--corpus", corpus.toString(),
            "--out", out.toString(),
            "--work", work.toString(),
            "--minutes", "5",
            "--max-steps", "40",
            "--batch", "4",
            "--seq-len", "32",
            "--prompt-len", "12",
            "--examples", "16",
            "--heldout-examples", "4",
            "--lr", "3e-3",
            "--log-every", "10",
            "--seed", "3"
        };
        EagleHeadTrainer.Metrics trained = TrainEagleHead.run(TrainEagleHead.parse(args));
        List<EagleHeadTrainer.Example> heldOut = EagleData.read(work.resolve("data/held-out.bin"), 64);
        assertThat(heldOut).hasSize(4);
        EagleHeadTrainer.Metrics untrained;
        try (EagleHeadTrainer fresh = new EagleHeadTrainer(target, true, 3)) {
            untrained = fresh.evaluate(heldOut, 4);
        }
        assertThat(trained.loss()).isLessThan(untrained.loss() * 0.7);
        assertThat(trained.agreement()).isGreaterThan(untrained.agreement());

        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(target)) {
            EagleHeadFormat format = EagleHeadFormat.inspect(out, lm.config());
            assertThat(format.hasFcBias()).isTrue();
            assertThat(format.hasEmbedding()).isFalse();
            try (EagleDrafter drafter = EagleDrafter.load(out, lm, tok.vocabSize());
                    RasdEngine engine = RasdEngine.builder()
                            .target(lm)
                            .drafter(drafter)
                            .tokenizer(tok)
                            .speculation(
                                    SpeculationConfig.builder().adaptive(false).build())
                            .build()) {
                int[] prompt = tok.encode("the head reads features of a target", true);
                GenerationResult ar =
                        engine.generate(new GenerationRequest(prompt, 40, DecodingMode.AR, null, null, List.of()));
                GenerationResult draft =
                        engine.generate(new GenerationRequest(prompt, 40, DecodingMode.DRAFT, null, null, List.of()));
                assertThat(draft.tokens()).isEqualTo(ar.tokens());
                assertThat(draft.stats().targetForwards()).isLessThan(ar.stats().targetForwards());
            }
        }

        // --resume continues at the saved step and data cursor
        String[] more = new String[args.length + 1];
        System.arraycopy(args, 0, more, 0, args.length);
        more[List.of(args).indexOf("--max-steps") + 1] = "46";
        more[args.length] = "--resume";
        TrainEagleHead.run(TrainEagleHead.parse(more));
        JsonObject state = JsonParser.parseString(Files.readString(work.resolve("checkpoint/state.json")))
                .getAsJsonObject();
        assertThat(state.get("step").getAsInt()).isEqualTo(46);
        assertThat(state.get("cursor").getAsLong()).isEqualTo(46L * 4);
        assertThat(Files.readString(work.resolve("train.log"))).contains("resumed at step 40 (data cursor 160");

        // the cached data belongs to this target, shape and seed: another shape is refused, not mixed in
        String[] other = more.clone();
        other[List.of(args).indexOf("--seq-len") + 1] = "36";
        assertThatThrownBy(() -> TrainEagleHead.run(TrainEagleHead.parse(other)))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("delete that folder or pass another --work");
    }

    @Test
    void aCheckpointRestoresWeightsOptimizerAndStepAndMemoryStaysFlat() {
        Path target = RandomCheckpoint.llama().hidden(64).seed(2).writeTo(tmp.resolve("target"));
        SplittableRandom rnd = new SplittableRandom(5);
        List<EagleHeadTrainer.Example> batch = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            int n = 8 + e;
            int[] ids = new int[n];
            float[] f = new float[n * 64];
            for (int i = 0; i < n; i++) {
                ids[i] = rnd.nextInt(512);
            }
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            batch.add(new EagleHeadTrainer.Example(ids, f));
        }
        float expected;
        try (EagleHeadTrainer a = new EagleHeadTrainer(target, true, 1)) {
            int arrays = -1;
            for (int s = 0; s < 3; s++) {
                a.step(batch, 1e-2, 0.01, 0.5, 0.2f);
                if (s == 0) {
                    arrays = a.liveArrays(); // the first backward allocated one gradient per parameter
                } else {
                    assertThat(a.liveArrays()).as("step %d", s).isEqualTo(arrays);
                }
            }
            JsonObject extra = new JsonObject();
            extra.addProperty("cursor", 9);
            a.saveCheckpoint(tmp.resolve("ckpt"), extra);
            expected = (float) a.step(batch, 1e-2, 0.01, 0.5, 0.2f).loss();
        }
        try (EagleHeadTrainer b = new EagleHeadTrainer(target, true, 99)) {
            JsonObject state = b.loadCheckpoint(tmp.resolve("ckpt"));
            assertThat(b.steps()).isEqualTo(3);
            assertThat(state.get("cursor").getAsInt()).isEqualTo(9);
            float resumed = (float) b.step(batch, 1e-2, 0.01, 0.5, 0.2f).loss();
            assertThat(resumed).isCloseTo(expected, within(1e-5f));
        }
    }
}
