package io.rasd.train;

import ai.djl.Device;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The demo models' quality bar, measured through the inference path ({@link CausalLm}) on held-out corpus text:
 * next-token loss of target and draft, and how often the draft's greedy choice equals the target's (teacher-forced
 * on the same text), overall and per corpus source.
 * <pre>java ... io.rasd.train.EvaluateDemoModels models/demo-target models/demo-draft [windows]</pre>
 */
public final class EvaluateDemoModels {

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        Path targetDir = Path.of(args[0]);
        Path draftDir = Path.of(args[1]);
        int windows = args.length > 2 ? Integer.parseInt(args[2]) : 48;
        int len = 128;
        List<DemoCorpus.Document> docs = DemoCorpus.load();
        try (CausalLm target = CausalLm.load(targetDir, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(draftDir, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(targetDir)) {
            for (String source : new String[] {"all", "python3.11-doc", "perl-doc", "openjdk-17-source"}) {
                List<DemoCorpus.Document> pick = docs.stream()
                        .filter(DemoCorpus.Document::heldOut)
                        .filter(d -> source.equals("all") || d.source().equals(source))
                        .toList();
                int[] stream = TrainDemoModels.stream(tok, pick, true);
                SplittableRandom rnd = new SplittableRandom(7);
                double targetLoss = 0;
                double draftLoss = 0;
                long agree = 0;
                long positions = 0;
                for (int w = 0; w < windows; w++) {
                    int start = rnd.nextInt(stream.length - len - 1);
                    int[] in = java.util.Arrays.copyOfRange(stream, start, start + len);
                    int[] next = java.util.Arrays.copyOfRange(stream, start + 1, start + len + 1);
                    int[] rows = new int[len];
                    for (int i = 0; i < len; i++) {
                        rows[i] = i;
                    }
                    int[] ta;
                    int[] da;
                    try (KvCache c = target.newCache();
                            Logits l = target.forward(c, in)) {
                        ta = l.argmax();
                        for (float p : l.probabilities(rows, next)) {
                            targetLoss -= Math.log(Math.max(p, 1e-30));
                        }
                    }
                    try (KvCache c = draft.newCache();
                            Logits l = draft.forward(c, in)) {
                        da = l.argmax();
                        for (float p : l.probabilities(rows, next)) {
                            draftLoss -= Math.log(Math.max(p, 1e-30));
                        }
                    }
                    for (int i = 0; i < len; i++) {
                        agree += ta[i] == da[i] ? 1 : 0;
                    }
                    positions += len;
                }
                System.out.printf(
                        Locale.ROOT,
                        "{\"heldout\": \"%s\", \"positions\": %d, \"target_loss\": %.4f,"
                                + " \"draft_loss\": %.4f, \"greedy_agreement\": %.4f}%n",
                        source,
                        positions,
                        targetLoss / positions,
                        draftLoss / positions,
                        (double) agree / positions);
            }
        }
    }
}
