package io.rasd.train;

import com.google.gson.JsonObject;
import io.rasd.model.DType;
import io.rasd.text.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Demo models v2 (models/README.md): continues the v1 target on a mix of plain corpus text, copy rows and chat
 * examples ({@link ChatExamples}: extractive RAG answers in LangChain4j's and Spring AI's layouts, multi-turn
 * conversations, code completion), then distils the v1 draft from the target it trained on the same mix, for a
 * wall-clock budget each, with a resumable checkpoint every five minutes.
 * <pre>
 *   tools/demo-models/train-v2.sh WORK_DIR MINUTES_TARGET MINUTES_DRAFT [COPY_MINUTES [TARGET_FROM]]
 * </pre>
 * {@code TARGET_FROM} (default {@code models/demo-target}) is the HF model a fresh run continues.
 * Writes {@code WORK_DIR/demo-target-v2} and {@code WORK_DIR/demo-draft-v2}; what replaces {@code models/} is decided
 * by {@link EvaluateDemoModels} against the quality bar, not here.
 *
 * <p>The first minutes of a run may be a copy curriculum ({@link #ragCopyBatch} rows only: the v1 target cannot copy
 * from its context, and quoting a retrieved section needs exactly that); then steps cycle chat, copy, chat, plain
 * batches of 4,096 tokens each (chat 4 × 1024, so a question, its retrieved sections and the answer fit in one window;
 * copy 8 × 512; plain 16 × 256, v1's shape). Chat prompts weigh {@link #PROMPT_WEIGHT} and answers 1: the prompt is
 * corpus text the model already learns from the plain batches, the answer is what v2 must learn (find the section that
 * answers the question, quote it, stop).
 */
public final class TrainDemoModelsV2 {

    static final int CHAT_SEQ = 1024;
    static final int CHAT_BATCH = 4;
    static final float PROMPT_WEIGHT = 0.25f;
    static final int EXAMPLES = 16_000;
    static final int COPY_SEQ = 512;
    static final int COPY_BATCH = 8;
    /** Weight of the source windows of a {@link #ragCopyBatch} row: plain text, learnt mostly from plain batches. */
    static final float SOURCE_WEIGHT = 0.25f;

    private static final long CHECKPOINT_NANOS = 300_000_000_000L;

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        Path work = Path.of(args[0]);
        double targetMinutes = Double.parseDouble(args[1]);
        double draftMinutes = Double.parseDouble(args[2]);
        Path models = args.length > 3 ? Path.of(args[3]) : Path.of("models");
        double copyMinutes = args.length > 4 ? Double.parseDouble(args[4]) : 0;
        Path targetFrom = args.length > 5 ? Path.of(args[5]) : models.resolve("demo-target");
        // a run continuing a model whose schedule already decayed may start lower than a fresh one's 5e-4
        double targetPeakLr = args.length > 6 ? Double.parseDouble(args[6]) : 5e-4;
        Files.createDirectories(work);
        PrintStream log = new PrintStream(
                Files.newOutputStream(work.resolve("train.log"), StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                true,
                StandardCharsets.UTF_8);
        List<DemoCorpus.Document> docs = DemoCorpus.load();
        List<DemoCorpus.Document> trainDocs =
                docs.stream().filter(d -> !d.heldOut()).toList();
        List<DemoCorpus.Document> heldDocs =
                docs.stream().filter(DemoCorpus.Document::heldOut).toList();
        Data data;
        try (Tokenizer tok = Tokenizer.load(models.resolve("demo-target"))) {
            data = Data.build(tok, trainDocs, heldDocs, log);
        }
        train(
                log,
                "target",
                TrainDemoModels.TARGET,
                11,
                data,
                targetMinutes,
                copyMinutes,
                targetPeakLr,
                targetFrom,
                work,
                null);
        if (draftMinutes > 0) {
            Path teacherDir = Files.exists(work.resolve("demo-target-v2/model.safetensors"))
                    ? work.resolve("demo-target-v2")
                    : targetFrom;
            try (LlamaTrainer teacher = new LlamaTrainer(TrainDemoModels.TARGET, 0)) {
                teacher.loadWeights(teacherDir);
                TrainDemoModels.say(log, "draft: distilled from %s", teacherDir);
                train(
                        log,
                        "draft",
                        TrainDemoModels.DRAFT,
                        12,
                        data,
                        draftMinutes,
                        0,
                        1.5e-3,
                        models.resolve("demo-draft"),
                        work,
                        teacher);
            }
        }
    }

    /** Token streams and held-out evaluation batches. */
    record Data(
            int[] plain,
            int[] chat,
            float[] chatWeights,
            int[] exampleStarts,
            List<int[][]> plainEval,
            List<int[][]> chatEval,
            List<float[][]> chatEvalWeights,
            List<int[][]> copyEval,
            List<float[][]> copyEvalWeights) {

        static Data build(
                Tokenizer tok,
                List<DemoCorpus.Document> trainDocs,
                List<DemoCorpus.Document> heldDocs,
                PrintStream log) {
            int[] plain = TrainDemoModels.stream(tok, trainDocs, false);
            int[] held = TrainDemoModels.stream(tok, heldDocs, true);
            ChatExamples chat = new ChatExamples(tok);
            SplittableRandom rnd = new SplittableRandom(21);
            List<ChatExamples.Qa> qas = ChatExamples.questions(trainDocs, rnd);
            List<String> javaSources = trainDocs.stream()
                    .filter(d -> d.id().startsWith("jdk/"))
                    .map(DemoCorpus.Document::text)
                    .toList();
            List<ChatExamples.Example> examples = examples(chat, qas, javaSources, EXAMPLES, rnd);
            int total = examples.stream().mapToInt(e -> e.ids().length).sum();
            int[] ids = new int[total];
            float[] weights = new float[total];
            int[] starts = new int[examples.size()];
            int p = 0;
            for (int i = 0; i < examples.size(); i++) {
                starts[i] = p;
                ChatExamples.Example e = examples.get(i);
                System.arraycopy(e.ids(), 0, ids, p, e.ids().length);
                System.arraycopy(e.weights(), 0, weights, p, e.weights().length);
                p += e.ids().length;
            }
            SplittableRandom evalRnd = new SplittableRandom(98);
            List<ChatExamples.Qa> heldQas = ChatExamples.questions(heldDocs, evalRnd);
            List<int[][]> chatEval = new ArrayList<>();
            List<float[][]> chatEvalWeights = new ArrayList<>();
            for (int b = 0; b < 4; b++) {
                int[][] rows = new int[CHAT_BATCH][];
                float[][] w = new float[CHAT_BATCH][];
                for (int r = 0; r < CHAT_BATCH; r++) {
                    ChatExamples.Example e;
                    do {
                        ChatExamples.Qa qa = heldQas.get(evalRnd.nextInt(heldQas.size()));
                        List<ChatExamples.Section> distractors = List.of(
                                heldQas.get(evalRnd.nextInt(heldQas.size())).section());
                        ChatExamples.Layout layout = ChatExamples.Layout.values()[(b + r) % 2];
                        e = chat.render(chat.ragTurn(qa, distractors, layout, evalRnd), 0f);
                    } while (e.ids().length > CHAT_SEQ + 1 || e.ids().length < 64);
                    rows[r] = java.util.Arrays.copyOf(e.ids(), CHAT_SEQ + 1);
                    w[r] = java.util.Arrays.copyOf(e.weights(), CHAT_SEQ + 1);
                }
                chatEval.add(rows);
                chatEvalWeights.add(w);
            }
            TrainDemoModels.say(
                    log,
                    "v2 data: plain %d tokens; %d questions from training sections (%d held out); %d chat examples,"
                            + " %d tokens (%.0f%% answer)",
                    plain.length,
                    qas.size(),
                    heldQas.size(),
                    examples.size(),
                    total,
                    100.0 * answerShare(weights));
            SplittableRandom copyRnd = new SplittableRandom(97);
            List<int[][]> copyEval = new ArrayList<>();
            List<float[][]> copyEvalWeights = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                WeightedBatch c = ragCopyBatch(held, copyRnd, COPY_BATCH, COPY_SEQ);
                copyEval.add(c.ids());
                copyEvalWeights.add(copyOnly(c.weights()));
            }
            return new Data(
                    plain,
                    ids,
                    weights,
                    starts,
                    TrainDemoModels.evalBatches(held, 8),
                    chatEval,
                    chatEvalWeights,
                    copyEval,
                    copyEvalWeights);
        }

        private static double answerShare(float[] w) {
            long n = 0;
            for (float v : w) {
                if (v == 1f) {
                    n++;
                }
            }
            return (double) n / w.length;
        }

        /** A chat batch: windows starting at random example starts (so each row opens with a whole example). */
        WeightedBatch chatBatch(SplittableRandom rnd) {
            int[][] rows = new int[CHAT_BATCH][CHAT_SEQ + 1];
            float[][] w = new float[CHAT_BATCH][CHAT_SEQ + 1];
            for (int r = 0; r < CHAT_BATCH; r++) {
                int start;
                do {
                    start = exampleStarts[rnd.nextInt(exampleStarts.length)];
                } while (start + CHAT_SEQ + 1 > chat.length);
                System.arraycopy(chat, start, rows[r], 0, CHAT_SEQ + 1);
                System.arraycopy(chatWeights, start, w[r], 0, CHAT_SEQ + 1);
            }
            return new WeightedBatch(rows, w);
        }
    }

    /**
     * Token rows and the weight of predicting each token ({@link LlamaTrainer#step(int[][], float[][], double, double,
     * double)}; null weighs every token 1).
     */
    record WeightedBatch(int[][] ids, float[][] weights) {}

    /**
     * The chat mix: 60% one RAG question (1–2 distractor sections, a third of them from the same document, the
     * LangChain4j layout half the time with the samples' system message half of those), 15% two RAG questions in one
     * conversation, 25% code completion. Examples longer than a chat window are skipped so every answer is whole.
     */
    static List<ChatExamples.Example> examples(
            ChatExamples chat, List<ChatExamples.Qa> qas, List<String> javaSources, int count, SplittableRandom rnd) {
        List<ChatExamples.Example> out = new ArrayList<>();
        while (out.size() < count) {
            List<ChatExamples.Message> messages = conversation(chat, qas, javaSources, rnd);
            if (messages.isEmpty()) {
                continue;
            }
            ChatExamples.Example e = chat.render(messages, PROMPT_WEIGHT);
            if (e.ids().length <= CHAT_SEQ + 1) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * One conversation of the chat mix (see {@link #examples}), ending with the assistant's answer; empty when the
     * drawn code source has no completion to offer.
     */
    static List<ChatExamples.Message> conversation(
            ChatExamples chat, List<ChatExamples.Qa> qas, List<String> javaSources, SplittableRandom rnd) {
        double kind = rnd.nextDouble();
        List<ChatExamples.Message> messages = new ArrayList<>();
        ChatExamples.Layout layout = ChatExamples.Layout.values()[rnd.nextInt(2)];
        if (layout == ChatExamples.Layout.LANGCHAIN4J && rnd.nextBoolean()) {
            messages.add(new ChatExamples.Message("system", ChatExamples.SAMPLE_SYSTEM));
        }
        if (kind < 0.75) {
            int turns = kind < 0.6 ? 1 : 2;
            for (int t = 0; t < turns; t++) {
                ChatExamples.Qa qa = qas.get(rnd.nextInt(qas.size()));
                messages.addAll(chat.ragTurn(qa, distractors(qas, qa, rnd), layout, rnd));
            }
        } else {
            List<ChatExamples.Message> code =
                    ChatExamples.codeTurn(javaSources.get(rnd.nextInt(javaSources.size())), rnd);
            if (code.isEmpty()) {
                return List.of();
            }
            messages.addAll(code);
        }
        return messages;
    }

    private static List<ChatExamples.Section> distractors(
            List<ChatExamples.Qa> qas, ChatExamples.Qa qa, SplittableRandom rnd) {
        int n = 1 + rnd.nextInt(2);
        List<ChatExamples.Section> out = new ArrayList<>();
        int index = qas.indexOf(qa);
        while (out.size() < n) {
            ChatExamples.Qa other = rnd.nextInt(3) == 0
                    ? qas.get(Math.floorMod(index + rnd.nextInt(-6, 7), qas.size()))
                    : qas.get(rnd.nextInt(qas.size()));
            if (other != qa && !other.section().text().equals(qa.section().text())) {
                out.add(other.section());
            }
        }
        return out;
    }

    /**
     * Rows that teach copying from the context the way RAG needs it: two windows of corpus text (64–224 tokens each,
     * from random places), then spans of them again, each span starting at a random point of either window and running
     * to its end, until the row is full. Predicting a copied token needs the model to find where the span's previous
     * tokens occur earlier in the row and read on (an induction head); the first token of each span cannot be
     * predicted and weighs 0, the other copied tokens 1, the source windows {@link #SOURCE_WEIGHT}. The model must
     * search, jump between two sources and copy across up to {@code seq} positions, as an answer quoting one of several
     * retrieved sections does. (The first v2 attempt repeated one window from its start, a third of its steps, at a
     * decaying learning rate: its copy loss fell only from about 2.6 to 2.0–2.3 in 40 minutes.) The v1 target cannot
     * copy (given a section and its first line again, it does not continue the section); repeated text is the known
     * quick way to grow the attention heads that copy ("induction heads", Olsson et al. 2022).
     */
    static WeightedBatch ragCopyBatch(int[] stream, SplittableRandom rnd, int rows, int seq) {
        if (seq < 2 * 224 + 16) {
            throw new IllegalArgumentException("copy rows of " + seq + " tokens cannot hold both source windows (up to"
                    + " 224 tokens each) and a span; use at least " + (2 * 224 + 16));
        }
        int[][] ids = new int[rows][seq + 1];
        float[][] w = new float[rows][seq + 1];
        for (int r = 0; r < rows; r++) {
            int[] srcStart = new int[2];
            int[] srcLen = new int[2];
            int p = 0;
            for (int k = 0; k < 2 && p <= seq; k++) {
                srcLen[k] = 64 + rnd.nextInt(161);
                srcStart[k] = rnd.nextInt(stream.length - srcLen[k]);
                int n = Math.min(srcLen[k], seq + 1 - p);
                System.arraycopy(stream, srcStart[k], ids[r], p, n);
                java.util.Arrays.fill(w[r], p, p + n, SOURCE_WEIGHT);
                p += n;
            }
            while (p <= seq) {
                int k = rnd.nextInt(2);
                int off = rnd.nextInt(srcLen[k] - 16);
                int n = Math.min(srcLen[k] - off, seq + 1 - p);
                System.arraycopy(stream, srcStart[k] + off, ids[r], p, n);
                java.util.Arrays.fill(w[r], p + 1, p + n, 1f);
                p += n;
            }
            w[r][0] = 0f;
        }
        return new WeightedBatch(ids, w);
    }

    /** The weights of the copied tokens alone (held-out copy loss). */
    static float[][] copyOnly(float[][] weights) {
        float[][] out = new float[weights.length][];
        for (int r = 0; r < weights.length; r++) {
            out[r] = weights[r].clone();
            for (int c = 0; c < out[r].length; c++) {
                out[r][c] = out[r][c] == 1f ? 1f : 0f;
            }
        }
        return out;
    }

    /**
     * Trains one model for {@code minutes} of wall clock, resuming from {@code WORK/ckpt-NAME} when it exists: the
     * first {@code copyMinutes} on {@link #ragCopyBatch} rows only (the copy curriculum), then a cycle of chat, copy,
     * chat and plain batches. With a {@code teacher} (the draft), every position's loss is the cross-entropy against
     * the teacher's next-token distribution on the same batch rather than against the next token: distillation, so the
     * draft proposes what the target would choose, on the chat and copy rows the target now serves.
     */
    static void train(
            PrintStream log,
            String name,
            LlamaTrainer.Architecture arch,
            long seed,
            Data data,
            double minutes,
            double copyMinutes,
            double peakLr,
            Path v1,
            Path work,
            LlamaTrainer teacher)
            throws IOException {
        if (minutes <= 0) {
            return;
        }
        Path ckpt = work.resolve("ckpt-" + name);
        Path outDir = work.resolve("demo-" + name + "-v2");
        try (LlamaTrainer t = new LlamaTrainer(arch, seed)) {
            long elapsedBefore = 0;
            if (Files.exists(ckpt.resolve("state.json"))) {
                JsonObject state = t.loadCheckpoint(ckpt);
                elapsedBefore = state.get("elapsed_nanos").getAsLong();
                TrainDemoModels.say(
                        log, "%s: resumed at step %d, %.1f min trained", name, t.steps(), elapsedBefore / 60e9);
            } else {
                t.loadWeights(v1);
                TrainDemoModels.say(
                        log,
                        "%s: continuing %s (%.2fM parameters) for %.0f min (the first %.0f copy only); held-out"
                                + " plain %.3f, answers %.3f, copy %.3f",
                        name,
                        v1,
                        arch.parameters() / 1e6,
                        minutes,
                        copyMinutes,
                        t.evaluate(data.plainEval()),
                        t.evaluate(data.chatEval(), data.chatEvalWeights()),
                        t.evaluate(data.copyEval(), data.copyEvalWeights()));
            }
            SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + t.steps());
            long budget = (long) (minutes * 60e9);
            long start = System.nanoTime() - elapsedBefore;
            long lastSave = System.nanoTime();
            int warmup = 20;
            double ema = -1;
            while (System.nanoTime() - start < budget) {
                int s = t.steps();
                double lr =
                        TrainDemoModels.learningRate(peakLr, warmup, s, (double) (System.nanoTime() - start) / budget);
                boolean copyPhase = System.nanoTime() - start < copyMinutes * 60e9;
                WeightedBatch b;
                if (copyPhase || s % 4 == 1) {
                    b = ragCopyBatch(data.plain(), rnd, COPY_BATCH, COPY_SEQ);
                } else if (s % 4 == 3) {
                    b = new WeightedBatch(TrainDemoModels.batch(data.plain(), rnd, TrainDemoModels.BATCH), null);
                } else {
                    b = data.chatBatch(rnd);
                }
                float[] soft = teacher == null ? null : teacher.nextTokenProbabilities(b.ids());
                float loss = t.step(b.ids(), b.weights(), soft, lr, 0.1, 1.0);
                ema = ema < 0 ? loss : 0.98 * ema + 0.02 * loss;
                if (t.steps() % 30 == 0) {
                    TrainDemoModels.logStep(log, name, t.steps(), loss, ema, lr, start);
                }
                if (System.nanoTime() - lastSave > CHECKPOINT_NANOS) {
                    checkpoint(log, name, t, data, ckpt, outDir, v1, System.nanoTime() - start, false);
                    lastSave = System.nanoTime();
                }
            }
            checkpoint(log, name, t, data, ckpt, outDir, v1, System.nanoTime() - start, true);
        }
    }

    private static void checkpoint(
            PrintStream log,
            String name,
            LlamaTrainer t,
            Data data,
            Path ckpt,
            Path outDir,
            Path v1,
            long elapsed,
            boolean last)
            throws IOException {
        JsonObject extra = new JsonObject();
        extra.addProperty("elapsed_nanos", elapsed);
        t.saveCheckpoint(ckpt, extra);
        t.save(outDir, DType.BF16, 0, 1, 5);
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(v1.resolve(f), outDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        double plain = t.evaluate(data.plainEval());
        double answers = t.evaluate(data.chatEval(), data.chatEvalWeights());
        double copy = t.evaluate(data.copyEval(), data.copyEvalWeights());
        TrainDemoModels.say(
                log,
                "%s: %s at step %d (%.1f min): held-out plain %.3f, answers %.3f, copy %.3f",
                name,
                last ? "done" : "checkpoint",
                t.steps(),
                elapsed / 60e9,
                plain,
                answers,
                copy);
        Files.writeString(
                outDir.resolve("training.json"),
                String.format(
                        Locale.ROOT,
                        "{\"continued_from\": \"%s\", \"parameters\": %d, \"steps\": %d, \"chat_batch\": [%d, %d],"
                                + " \"plain_batch\": [%d, %d], \"prompt_weight\": %s, \"minutes\": %.1f,"
                                + " \"heldout_plain_loss\": %.4f, \"heldout_answer_loss\": %.4f,"
                                + " \"heldout_copy_loss\": %.4f}%n",
                        v1.getFileName(),
                        t.architecture().parameters(),
                        t.steps(),
                        CHAT_BATCH,
                        CHAT_SEQ,
                        TrainDemoModels.BATCH,
                        TrainDemoModels.SEQ,
                        PROMPT_WEIGHT,
                        elapsed / 60e9,
                        plain,
                        answers,
                        copy));
    }
}
