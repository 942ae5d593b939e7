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
 * Demo models v2 (models/README.md): continues the v1 target and draft on a mix of plain corpus text and chat
 * examples ({@link ChatExamples}: extractive RAG answers in LangChain4j's and Spring AI's layouts, multi-turn
 * conversations, code completion), for a wall-clock budget each, with a resumable checkpoint every five minutes.
 * <pre>
 *   tools/demo-models/train-v2.sh WORK_DIR MINUTES_TARGET MINUTES_DRAFT
 * </pre>
 * Writes {@code WORK_DIR/demo-target-v2} and {@code WORK_DIR/demo-draft-v2}; what replaces {@code models/} is decided
 * by {@link EvaluateDemoModels} against the quality bar, not here.
 *
 * <p>Steps alternate two chat batches (4 × 1024 tokens, so a question, its retrieved sections and the answer fit in
 * one window) with one plain batch (16 × 256, v1's shape, each row a window repeated: {@link #copyBatch}), the same
 * tokens per step. Chat prompts weigh {@link
 * #PROMPT_WEIGHT} and answers 1: the prompt is corpus text the model already learns from the plain batches, the answer
 * is what v2 must learn (find the section that answers the question, quote it, stop).
 */
public final class TrainDemoModelsV2 {

    static final int CHAT_SEQ = 1024;
    static final int CHAT_BATCH = 4;
    static final float PROMPT_WEIGHT = 0.25f;
    static final int EXAMPLES = 16_000;
    private static final long CHECKPOINT_NANOS = 300_000_000_000L;

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        Path work = Path.of(args[0]);
        double targetMinutes = Double.parseDouble(args[1]);
        double draftMinutes = Double.parseDouble(args[2]);
        Path models = args.length > 3 ? Path.of(args[3]) : Path.of("models");
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
                5e-4,
                models.resolve("demo-target"),
                work);
        train(log, "draft", TrainDemoModels.DRAFT, 12, data, draftMinutes, 1.5e-3, models.resolve("demo-draft"), work);
    }

    /** Token streams and held-out evaluation batches. */
    record Data(
            int[] plain,
            int[] chat,
            float[] chatWeights,
            int[] exampleStarts,
            List<int[][]> plainEval,
            List<int[][]> chatEval,
            List<float[][]> chatEvalWeights) {

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
            return new Data(
                    plain, ids, weights, starts, TrainDemoModels.evalBatches(held, 8), chatEval, chatEvalWeights);
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
        ChatBatch chatBatch(SplittableRandom rnd) {
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
            return new ChatBatch(rows, w);
        }
    }

    record ChatBatch(int[][] ids, float[][] weights) {}

    /**
     * The chat mix: 60% one RAG question (1–2 distractor sections, a third of them from the same document, the
     * LangChain4j layout half the time with the samples' system message half of those), 15% two RAG questions in one
     * conversation, 25% code completion. Examples longer than a chat window are skipped so every answer is whole.
     */
    static List<ChatExamples.Example> examples(
            ChatExamples chat, List<ChatExamples.Qa> qas, List<String> javaSources, int count, SplittableRandom rnd) {
        List<ChatExamples.Example> out = new ArrayList<>();
        while (out.size() < count) {
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
                    continue;
                }
                messages.addAll(code);
            }
            ChatExamples.Example e = chat.render(messages, PROMPT_WEIGHT);
            if (e.ids().length <= CHAT_SEQ + 1) {
                out.add(e);
            }
        }
        return out;
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
     * Plain batches whose rows repeat themselves: a window of corpus text, then the same window again. The v1 target
     * cannot copy (given a section and its first line again, it does not continue the section), and copying what is in
     * the context is what a RAG answer and retrieval speculation need; repeated text is the known quick way to grow
     * the attention heads that copy ("induction heads", Olsson et al. 2022). The first half still trains plain text.
     */
    static int[][] copyBatch(int[] stream, SplittableRandom rnd, int size) {
        int half = TrainDemoModels.SEQ / 2;
        int[][] b = new int[size][TrainDemoModels.SEQ + 1];
        for (int[] row : b) {
            int start = rnd.nextInt(stream.length - half - 1);
            System.arraycopy(stream, start, row, 0, half);
            System.arraycopy(stream, start, row, half, half);
            row[TrainDemoModels.SEQ] = stream[start + half];
        }
        return b;
    }

    static void train(
            PrintStream log,
            String name,
            LlamaTrainer.Architecture arch,
            long seed,
            Data data,
            double minutes,
            double peakLr,
            Path v1,
            Path work)
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
                        "%s: continuing %s (%.2fM parameters) for %.0f min; v1 held-out plain %.3f, answers %.3f",
                        name,
                        v1,
                        arch.parameters() / 1e6,
                        minutes,
                        t.evaluate(data.plainEval()),
                        t.evaluate(data.chatEval(), data.chatEvalWeights()));
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
                float loss;
                if (s % 3 == 2) {
                    loss = t.step(copyBatch(data.plain(), rnd, TrainDemoModels.BATCH), lr, 0.1, 1.0);
                } else {
                    ChatBatch b = data.chatBatch(rnd);
                    loss = t.step(b.ids(), b.weights(), lr, 0.1, 1.0);
                }
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
        TrainDemoModels.say(
                log,
                "%s: %s at step %d (%.1f min): held-out plain %.3f, held-out answers %.3f",
                name,
                last ? "done" : "checkpoint",
                t.steps(),
                elapsed / 60e9,
                plain,
                answers);
        Files.writeString(
                outDir.resolve("training.json"),
                String.format(
                        Locale.ROOT,
                        "{\"continued_from\": \"%s\", \"parameters\": %d, \"steps\": %d, \"chat_batch\": [%d, %d],"
                                + " \"plain_batch\": [%d, %d], \"prompt_weight\": %s, \"minutes\": %.1f,"
                                + " \"heldout_plain_loss\": %.4f, \"heldout_answer_loss\": %.4f}%n",
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
                        answers));
    }
}
