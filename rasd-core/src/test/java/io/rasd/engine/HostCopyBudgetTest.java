package io.rasd.engine;

import ai.djl.Device;
import io.rasd.datastore.TokenDatastore;
import io.rasd.model.CausalLm;
import io.rasd.model.DeviceTensors;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host-device copies per decoding step, counted by {@link DeviceTensors} (every copy in rasd-core goes through it): on
 * a GPU each read waits for the device, so this budget bounds how often a step stalls. Measured on the CPU, where the
 * same code runs.
 */
class HostCopyBudgetTest {

    @Test
    void everyModeStaysWithinItsCopyBudgetPerStep(@TempDir Path tmp) {
        Path loopy = LosslessDecodingTest.loopyModel(tmp.resolve("loopy"), 2);
        SplittableRandom rnd = new SplittableRandom(4);
        try (CausalLm target = CausalLm.load(loopy, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            List<int[]> docs = new ArrayList<>();
            for (int d = 0; d < 5; d++) {
                docs.add(rnd.ints(60, 6, 500).toArray());
            }
            SpeculationConfig config =
                    SpeculationConfig.builder().adaptive(false).build();
            // a drafter makes one forward for the root and one per depth
            int draftForwards = 1 + config.draftDepth();
            try (RasdEngine engine = RasdEngine.builder()
                    .target(target)
                    .draft(draft)
                    .tokenizer(tok)
                    .datastore(TokenDatastore.build(docs))
                    .speculation(config)
                    .build()) {
                for (DecodingMode mode : DecodingMode.values()) {
                    for (SamplingParams sp :
                            new SamplingParams[] {SamplingParams.GREEDY, new SamplingParams(0.8, 0, 0.9)}) {
                        DeviceTensors.Copies before = DeviceTensors.copies();
                        GenerationResult r = engine.generate(
                                new GenerationRequest(rnd.ints(6, 6, 500).toArray(), 80, mode, sp, 1L, List.of()));
                        DeviceTensors.Copies c = DeviceTensors.copies().since(before);
                        int steps = r.stats().targetForwards();
                        System.out.printf(
                                "%s %s: %d forwards, %d tokens, %.2f uploads and %.2f reads per step%n",
                                mode,
                                sp.isGreedy() ? "greedy" : "sampled",
                                steps,
                                r.tokens().length,
                                c.uploads() / (double) steps,
                                c.reads() / (double) steps);
                    }
                }
            }
        }
    }
}
