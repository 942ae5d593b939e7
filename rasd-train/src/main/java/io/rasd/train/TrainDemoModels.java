package io.rasd.train;

import io.rasd.model.DType;
import io.rasd.text.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Reproduces the demo models under {@code models/} (see models/README.md):
 * <pre>
 *   tools/demo-models/setup.sh                     # corpus packages
 *   tools/demo-models/train.sh WORK_DIR MINUTES_TARGET MINUTES_DRAFT
 * </pre>
 * Steps: corpus → byte-level BPE tokenizer (4096 ids) → token streams → target → draft (both train for a wall-clock
 * budget with a cosine schedule over it, so a slower machine trains fewer steps rather than longer). Checkpoints are
 * saved every ten minutes, so an interrupted run leaves a usable model.
 */
public final class TrainDemoModels {

    static final int VOCAB = 4096;
    static final int SEQ = 256;
    static final int BATCH = 16;
    public static final LlamaTrainer.Architecture TARGET = new LlamaTrainer.Architecture(VOCAB, 256, 688, 6, 8, 2048);
    public static final LlamaTrainer.Architecture DRAFT = new LlamaTrainer.Architecture(VOCAB, 128, 352, 2, 4, 2048);

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        Path work = Path.of(args[0]);
        double targetMinutes = Double.parseDouble(args[1]);
        double draftMinutes = Double.parseDouble(args[2]);
        Path out = args.length > 3 ? Path.of(args[3]) : Path.of("models");
        PrintStream log = new PrintStream(
                Files.newOutputStream(
                        work.resolve("train.log"),
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND),
                true,
                StandardCharsets.UTF_8);
        Path tokDir = work.resolve("tokenizer");
        List<DemoCorpus.Document> docs = DemoCorpus.load();
        long trainBytes = docs.stream()
                .filter(d -> !d.heldOut())
                .mapToLong(d -> d.text().length())
                .sum();
        say(
                log,
                "corpus: %d documents (%d held out), %.1f MB of training text",
                docs.size(),
                docs.stream().filter(DemoCorpus.Document::heldOut).count(),
                trainBytes / 1e6);
        if (!Files.exists(tokDir.resolve("tokenizer.json"))) {
            long t0 = System.nanoTime();
            BpeTrainer bpe = new BpeTrainer();
            for (DemoCorpus.Document d : docs) {
                if (!d.heldOut()) {
                    bpe.add(d.text());
                }
            }
            BpeTrainer.Result r = bpe.train(VOCAB);
            BpeTrainer.write(r, tokDir, TARGET.maxPositions());
            say(
                    log,
                    "tokenizer: %d ids, %d merges in %.0f s",
                    r.vocab().size(),
                    r.merges().size(),
                    (System.nanoTime() - t0) / 1e9);
        }
        int[] train;
        int[] heldout;
        try (Tokenizer tok = Tokenizer.load(tokDir)) {
            train = stream(tok, docs, false);
            heldout = stream(tok, docs, true);
        }
        say(
                log,
                "tokens: train %d, held out %d (%.2f bytes per token)",
                train.length,
                heldout.length,
                (double) trainBytes / train.length);
        List<int[][]> evalBatches = evalBatches(heldout, 8);
        train(log, "target", TARGET, 11, train, evalBatches, targetMinutes, 1.5e-3, out.resolve("demo-target"), tokDir);
        train(log, "draft", DRAFT, 12, train, evalBatches, draftMinutes, 3e-3, out.resolve("demo-draft"), tokDir);
    }

    /** Every document as {@code <s> text </s>}, concatenated. */
    static int[] stream(Tokenizer tok, List<DemoCorpus.Document> docs, boolean heldOut) {
        List<int[]> parts = new ArrayList<>();
        long total = 0;
        for (DemoCorpus.Document d : docs) {
            if (d.heldOut() == heldOut) {
                int[] ids = tok.encode(d.text(), false);
                parts.add(ids);
                total += ids.length + 2;
            }
        }
        int[] out = new int[(int) total];
        int p = 0;
        for (int[] ids : parts) {
            out[p++] = 0;
            System.arraycopy(ids, 0, out, p, ids.length);
            p += ids.length;
            out[p++] = 1;
        }
        return out;
    }

    static List<int[][]> evalBatches(int[] heldout, int count) {
        SplittableRandom rnd = new SplittableRandom(99);
        List<int[][]> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            batches.add(batch(heldout, rnd, BATCH));
        }
        return batches;
    }

    static int[][] batch(int[] stream, SplittableRandom rnd, int size) {
        int[][] b = new int[size][SEQ + 1];
        for (int[] row : b) {
            int start = rnd.nextInt(stream.length - SEQ - 1);
            System.arraycopy(stream, start, row, 0, SEQ + 1);
        }
        return b;
    }

    static void train(
            PrintStream log,
            String name,
            LlamaTrainer.Architecture arch,
            long seed,
            int[] train,
            List<int[][]> eval,
            double minutes,
            double peakLr,
            Path outDir,
            Path tokDir)
            throws IOException {
        if (minutes <= 0) {
            return;
        }
        say(log, "%s: %.2fM parameters, %.0f minutes", name, arch.parameters() / 1e6, minutes);
        SplittableRandom rnd = new SplittableRandom(seed);
        try (LlamaTrainer t = new LlamaTrainer(arch, seed)) {
            long start = System.nanoTime();
            long budget = (long) (minutes * 60e9);
            long lastSave = start;
            int warmup = 30;
            double ema = -1;
            while (System.nanoTime() - start < budget) {
                double lr = learningRate(peakLr, warmup, t.steps(), (double) (System.nanoTime() - start) / budget);
                float loss = t.step(batch(train, rnd, BATCH), lr, 0.1, 1.0);
                ema = ema < 0 ? loss : 0.98 * ema + 0.02 * loss;
                if (t.steps() % 50 == 0) {
                    TrainDemoModels.logStep(log, name, t.steps(), loss, ema, lr, start);
                }
                if (System.nanoTime() - lastSave > 600e9) {
                    save(t, outDir, tokDir);
                    lastSave = System.nanoTime();
                    say(log, "%s: checkpoint at step %d, held-out loss %.3f", name, t.steps(), t.evaluate(eval));
                }
            }
            save(t, outDir, tokDir);
            double heldOut = t.evaluate(eval);
            long tokens = (long) t.steps() * BATCH * SEQ;
            say(
                    log,
                    "%s done: %d steps, %d training tokens, final train loss (ema) %.3f, held-out loss %.3f",
                    name,
                    t.steps(),
                    tokens,
                    ema,
                    heldOut);
            Files.writeString(
                    outDir.resolve("training.json"),
                    String.format(
                            Locale.ROOT,
                            "{\"parameters\": %d, \"steps\": %d, \"batch\": %d, \"seq_len\": %d, \"training_tokens\": %d,"
                                    + " \"final_train_loss_ema\": %.4f, \"heldout_loss\": %.4f, \"minutes\": %.1f,"
                                    + " \"peak_lr\": %s, \"seed\": %d}%n",
                            arch.parameters(),
                            t.steps(),
                            BATCH,
                            SEQ,
                            tokens,
                            ema,
                            heldOut,
                            minutes,
                            peakLr,
                            seed));
        }
    }

    /**
     * Linear warm-up over {@code warmup} steps, then a cosine over the wall-clock budget ({@code frac} of it spent) down
     * to 10% of the peak: a slower machine trains fewer steps, not longer.
     */
    static double learningRate(double peakLr, int warmup, int step, double frac) {
        return step < warmup
                ? peakLr * (step + 1) / warmup
                : peakLr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * frac)));
    }

    static void save(LlamaTrainer t, Path outDir, Path tokDir) throws IOException {
        t.save(outDir, DType.BF16, 0, 1);
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(tokDir.resolve(f), outDir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void logStep(PrintStream log, String name, int step, float loss, double ema, double lr, long start) {
        say(
                log,
                "%s step %d: loss %.3f (ema %.3f), lr %.2e, %.1f min",
                name,
                step,
                loss,
                ema,
                lr,
                (System.nanoTime() - start) / 60e9);
    }

    static void say(PrintStream log, String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        log.println(java.time.LocalTime.now().withNano(0) + " " + line);
    }
}
