package io.rasd.train;

import ai.djl.Device;
import io.rasd.bench.AnswerOverlap;
import io.rasd.bench.DistinctNgrams;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The demo models' quality bar, measured through the inference path ({@link CausalLm}) on held-out corpus text:
 * next-token loss of target and draft, and how often the draft's greedy choice equals the target's (teacher-forced
 * on the same text), overall and per corpus source; then, as a chat assistant, greedy answers to held-out perlfaq
 * questions in LangChain4j's RAG layout (the question's section and a neighbouring one as context): the share of
 * answer words that quote the section ({@link AnswerOverlap}) and the answers' distinct 4-gram ratio. Between the
 * two, {@link #copying}: whether the target continues a window it has seen 320 tokens before.
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
            copying(target, tok, docs);
            answers(target, tok, docs, 24, 128);
        }
    }

    /**
     * Whether the target copies from its context, the ability a quoting answer and retrieval speculation rest on: 16
     * held-out rows, each a 192-token window A, a 128-token window B and A again (so the copy reads back 320 positions,
     * the distance from a retrieved section to the answer). Reports, over the repeat's tokens after its first 8 (which
     * a copier can place by then), the mean loss and how often the greedy choice is the copied token.
     */
    static void copying(CausalLm target, Tokenizer tok, List<DemoCorpus.Document> docs) {
        int[] stream = TrainDemoModels.stream(tok, docs, true);
        SplittableRandom rnd = new SplittableRandom(13);
        int a = 192;
        int b = 128;
        int skip = 8;
        double loss = 0;
        long hits = 0;
        long positions = 0;
        for (int w = 0; w < 16; w++) {
            int sa = rnd.nextInt(stream.length - a);
            int sb = rnd.nextInt(stream.length - b);
            int[] row = new int[2 * a + b];
            System.arraycopy(stream, sa, row, 0, a);
            System.arraycopy(stream, sb, row, a, b);
            System.arraycopy(stream, sa, row, a + b, a);
            int n = a - skip - 1;
            int[] rows = new int[n];
            int[] next = new int[n];
            for (int i = 0; i < n; i++) {
                rows[i] = a + b + skip + i;
                next[i] = row[rows[i] + 1];
            }
            try (KvCache c = target.newCache();
                    Logits l = target.forward(c, row)) {
                int[] greedy = l.argmax();
                for (float p : l.probabilities(rows, next)) {
                    loss -= Math.log(Math.max(p, 1e-30));
                }
                for (int i = 0; i < n; i++) {
                    hits += greedy[rows[i]] == next[i] ? 1 : 0;
                }
            }
            positions += n;
        }
        System.out.printf(
                Locale.ROOT,
                "{\"heldout\": \"copy a window 320 tokens back\", \"positions\": %d, \"copy_loss\": %.4f,"
                        + " \"greedy_copies\": %.4f}%n",
                positions,
                loss / positions,
                (double) hits / positions);
    }

    /** Greedy chat answers to held-out FAQ questions: quoting share and distinct 4-grams. */
    static void answers(CausalLm target, Tokenizer tok, List<DemoCorpus.Document> docs, int questions, int maxTokens) {
        List<DemoCorpus.Document> faq = docs.stream()
                .filter(DemoCorpus.Document::heldOut)
                .filter(d -> d.id().startsWith("perl/perlfaq"))
                .toList();
        List<ChatExamples.Qa> qas = ChatExamples.questions(faq, new SplittableRandom(5)).stream()
                .filter(q -> q.question().endsWith("?"))
                .toList();
        ChatExamples chat = new ChatExamples(tok);
        AnswerOverlap overlap = new AnswerOverlap();
        DistinctNgrams distinct = new DistinctNgrams(4);
        int n = Math.min(questions, qas.size());
        long stopped = 0;
        try (RasdEngine engine =
                RasdEngine.builder().target(target).tokenizer(tok).build()) {
            for (int i = 0; i < n; i++) {
                ChatExamples.Qa qa = qas.get((int) ((long) i * qas.size() / n));
                ChatExamples.Section next =
                        qas.get((qas.indexOf(qa) + 1) % qas.size()).section();
                List<ChatExamples.Message> messages = new java.util.ArrayList<>();
                messages.add(new ChatExamples.Message("system", ChatExamples.SAMPLE_SYSTEM));
                messages.addAll(
                        chat.ragTurn(qa, List.of(next), ChatExamples.Layout.LANGCHAIN4J, new SplittableRandom(i)));
                GenerationResult r = engine.generate(new GenerationRequest(
                        chat.prompt(messages), maxTokens, DecodingMode.AR, SamplingParams.GREEDY, null, List.of()));
                overlap.add(tok.decode(r.tokens(), true), qa.section().text());
                distinct.add(r.tokens());
                stopped += r.tokens().length < maxTokens ? 1 : 0;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "{\"heldout\": \"faq answers\", \"questions\": %d, \"answer_overlap\": %.4f,"
                        + " \"distinct_4gram_ratio\": %.4f, \"stopped_before_%d_tokens\": %d}%n",
                n,
                overlap.ratio(),
                distinct.ratio(),
                maxTokens,
                stopped);
    }
}
