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

    private static final int[] IDS = {5, 9, 33, 2, 17, 60, 8, 200, 311, 7, 64};

    /** A grouped-query target with its own lm_head. */
    private Path gqaTarget() {
        return RandomCheckpoint.llama().hidden(64).heads(4, 2).seed(3).writeTo(tmp.resolve("gqa"));
    }

    /** A published-layout random head with an fc bias for {@code target}. */
    private Path randomHead(Path target) {
        return RandomEagleHead.write(target, tmp.resolve("random-head"), 4, true, false);
    }

    @Test
    void theTrainersForwardIsTheInferenceHeadsForwardBeforeAndAfterTraining() throws Exception {
        int[] ids = IDS;
        Path gqa = gqaTarget();
        Path random = randomHead(gqa);
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

    /**
     * The training-time test's step d reads what a depth-(d+1) draft node reads when the head drafts: the pairs before
     * it with the target's features in the head's cache, then its ancestors' own outputs, one node per depth. Row i of
     * step d must equal that node's logits, computed by the inference head ({@link EagleHead#forward}).
     */
    @Test
    void trainingTimeTestStepsComputeWhatDeeperDraftNodesRead() throws Exception {
        int[] ids = IDS;
        Path gqa = gqaTarget();
        Path random = randomHead(gqa);
        try (CausalLm lm = CausalLm.load(gqa, Device.cpu(), 0);
                EagleHeadTrainer t = new EagleHeadTrainer(gqa, true, 1);
                EagleHead head = EagleHead.load(random, lm, true);
                ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            t.loadHead(random);
            EagleHeadTrainer.Example ex = EagleData.features(lm, ids);
            float[][] step1 = t.logits(ex, 1);
            float[][] step2 = t.logits(ex, 2);
            int h = lm.config().hiddenSize();
            for (int i : new int[] {0, 3, 7}) {
                try (io.rasd.model.KvCache cache = head.newCache()) {
                    // the pairs 0..i with the target's features (a catch-up), then two nodes deeper, one at a time
                    float[] f = java.util.Arrays.copyOfRange(ex.features(), 0, (i + 1) * h);
                    ai.djl.ndarray.NDArray features = m.create(f, new ai.djl.ndarray.types.Shape(i + 1, h));
                    ai.djl.ndarray.NDArray own;
                    try (Logits l = head.forward(
                            cache,
                            java.util.Arrays.copyOfRange(ids, 1, i + 2),
                            features,
                            io.rasd.model.Positions.consecutive(0, i + 1),
                            io.rasd.model.AttentionMask.causal(),
                            new int[] {i})) {
                        own = l.hidden(m, new int[] {i});
                    }
                    for (int d = 1; d <= 2; d++) {
                        try (Logits l = head.forward(
                                cache,
                                new int[] {ids[i + 1 + d]},
                                own,
                                new int[] {i + d},
                                io.rasd.model.AttentionMask.causal(),
                                null)) {
                            float[] expected = l.row(0);
                            float[] actual = (d == 1 ? step1 : step2)[i];
                            for (int v = 0; v < 512; v++) {
                                assertThat(actual[v])
                                        .as("step %d row %d id %d", d, i, v)
                                        .isCloseTo(expected[v], within(1e-3f));
                            }
                            own = l.hidden(m, new int[] {0});
                        }
                    }
                }
            }
        }
    }

    @Test
    void aTrainingTimeTestTrainsAndRecordsItsDeeperAgreement(@TempDir Path out) throws Exception {
        int[] ids = {5, 9, 33, 2, 17, 60, 8, 200, 311, 7, 64, 12, 90, 4};
        Path tied = RandomCheckpoint.llama().hidden(64).tied(true).seed(5).writeTo(tmp.resolve("tied-ttt"));
        try (CausalLm lm = CausalLm.load(tied, Device.cpu(), 0);
                EagleHeadTrainer t = new EagleHeadTrainer(tied, true, 2)) {
            EagleHeadTrainer.Example ex = EagleData.features(lm, ids);
            t.trainingTimeTest(3);
            double before = t.agreementAtStep(List.of(ex), 1, 1);
            for (int s = 0; s < 60; s++) {
                t.step(List.of(ex, ex), 5e-3, 0.01, 0.5, 0f);
            }
            // one memorised sequence: the head learns to read its own outputs two and three deep
            assertThat(t.agreementAtStep(List.of(ex), 1, 1))
                    .isGreaterThan(before)
                    .isGreaterThan(0.5);
            assertThat(t.agreementAtStep(List.of(ex), 1, 2)).isGreaterThan(0.5);
        }
        assertThatThrownBy(() -> TrainEagleHead.parse(
                        new String[] {"--target", "t", "--corpus", "c", "--out", "o", "--ttt-steps", "0"}))
                .hasMessageContaining("--ttt-steps must lie in [1, 8], got 0");
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

        // --init starts from a saved head: with no steps to take, it hands back that head's held-out numbers
        String[] init = args.clone();
        init[List.of(args).indexOf("--out") + 1] = tmp.resolve("head-init").toString();
        init[List.of(args).indexOf("--max-steps") + 1] = "0";
        init[List.of(args).indexOf("--work") + 1] = tmp.resolve("work-init").toString();
        String[] withInit = new String[init.length + 2];
        System.arraycopy(init, 0, withInit, 0, init.length);
        withInit[init.length] = "--init";
        withInit[init.length + 1] = out.toString();
        EagleHeadTrainer.Metrics reloaded = TrainEagleHead.run(TrainEagleHead.parse(withInit));
        assertThat(reloaded.loss()).isCloseTo(trained.loss(), within(1e-4));
        assertThat(reloaded.agreement()).isEqualTo(trained.agreement());
        assertThat(Files.readString(tmp.resolve("head-init/training.json"))).contains("\"init\": \"");

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
