package io.rasd.train;

import io.rasd.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The chat half of the demo target v2's training data (models/README.md, "demo-target v2"): extractive RAG answers,
 * multi-turn conversations and code completion, rendered through the demo tokenizer's ChatML template exactly as the
 * frameworks send them, so the model learns what a RAG assistant does — find the section that answers the question
 * among the retrieved ones and quote it. Quoting is also where retrieval speculation pays: the answer's tokens are in
 * the prompt.
 *
 * <p>Everything is built from the documents it is given; the trainer passes the training split only (the held-out
 * documents, perlfaq3 and perlfaq5 among them, stay unseen, as the DocQA benchmark needs).
 */
public final class ChatExamples {

    /** The system message of samples/spring-rag's and samples/langchain4j-rag's assistant. */
    public static final String SAMPLE_SYSTEM = "You answer questions about the documents you are given, briefly.";

    /** LangChain4j 1.23 {@code DefaultContentInjector}'s prompt template (read from langchain4j-core's jar). */
    public static final String LANGCHAIN4J_TEMPLATE =
            "{{userMessage}}\n\nAnswer using the following information:\n{{contents}}";

    /** Spring AI 2.0.1 {@code QuestionAnswerAdvisor}'s prompt template (read from spring-ai-vector-store-advisor). */
    public static final String SPRING_AI_TEMPLATE = "{query}\n\nContext information is below, surrounded by"
            + " ---------------------\n\n---------------------\n{question_answer_context}\n---------------------\n\n"
            + "Given the context and provided history information and not prior knowledge,\nreply to the user comment."
            + " If the answer is not in the context, inform\nthe user that you can't answer the question.\n";

    /** The frameworks' ways of putting retrieved text into the user message. */
    public enum Layout {
        /** Contents joined by a blank line (DefaultContentInjector, no metadata keys). */
        LANGCHAIN4J,
        /** Documents joined by a line separator (QuestionAnswerAdvisor on Linux). */
        SPRING_AI;

        public String userMessage(String question, List<String> contents) {
            return switch (this) {
                case LANGCHAIN4J ->
                    LANGCHAIN4J_TEMPLATE
                            .replace("{{contents}}", String.join("\n\n", contents))
                            .replace("{{userMessage}}", question);
                case SPRING_AI ->
                    SPRING_AI_TEMPLATE
                            .replace("{question_answer_context}", String.join("\n", contents))
                            .replace("{query}", question);
            };
        }
    }

    /** A section of a document: its heading line(s) and body, as a retriever would return it. */
    public record Section(String source, String title, String text, String body) {}

    /** A question a section answers, and the answer: the section's opening, quoted. */
    public record Qa(String question, Section section, String answer) {}

    /** One chat message. */
    public record Message(String role, String content) {}

    /** Token ids of one example and the loss weight of predicting each (index i: weight of predicting ids[i]). */
    public record Example(int[] ids, float[] weights) {}

    private static final Pattern POD_HEAD = Pattern.compile("(?m)^=head([12]) (.+)$");
    private static final Pattern RST_HEADING = Pattern.compile("(?m)^([^\\n]{3,100})\\n([=\\-~^\"*+#])\\2{2,}\\n");
    private static final Pattern JAVADOC_METHOD =
            Pattern.compile("(?m)^    /\\*\\*\\n((?:     \\*[^\\n]*\\n)+?)     \\*/\\n((?:    @[^\\n]*\\n)*)"
                    + "    ((?:public|protected)[^\\n;{]*?\\b(\\w+)\\([^)]*\\)[^\\n;{]*)\\{");
    private static final Pattern JAVA_CLASS =
            Pattern.compile("(?m)^public (?:[\\w ]+ )?(?:class|interface|enum|record) (\\w+)");
    private static final String[] TITLE_QUESTIONS = {
        "What does the documentation say about %s?",
        "Explain %s.",
        "Tell me about %s.",
        "What is %s?",
        "%s?",
        "Can you describe %s?",
    };

    /** Body characters of an answer at most; answers end at a paragraph (or line) boundary before this. */
    static final int ANSWER_CHARS = 350;
    /** Characters of a retrieved section at most (a splitter's segment size). */
    static final int SECTION_CHARS = 700;

    private final int imStart;
    private final int imEnd;
    private final int bos;
    private final int eos;
    private final Tokenizer tokenizer;

    public ChatExamples(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.imStart = tokenizer.tokenId("<|im_start|>").orElseThrow();
        this.imEnd = tokenizer.tokenId("<|im_end|>").orElseThrow();
        this.bos = tokenizer.bosTokenId().orElseThrow();
        this.eos = tokenizer.eosTokenId().orElseThrow();
    }

    /** Sections with a question each, from perl pod, Python reST and Javadoc of the given documents. */
    public static List<Qa> questions(List<DemoCorpus.Document> docs, SplittableRandom rnd) {
        List<Qa> out = new ArrayList<>();
        for (DemoCorpus.Document d : docs) {
            if (d.id().startsWith("perl/")) {
                podSections(d, rnd, out);
            } else if (d.id().startsWith("python/")) {
                rstSections(d, rnd, out);
            } else if (d.id().startsWith("jdk/")) {
                javadocSections(d, rnd, out);
            }
        }
        return out;
    }

    private static void podSections(DemoCorpus.Document d, SplittableRandom rnd, List<Qa> out) {
        Matcher m = POD_HEAD.matcher(d.text());
        List<int[]> heads = new ArrayList<>();
        while (m.find()) {
            heads.add(new int[] {m.start(), m.end()});
        }
        boolean faq = d.id().startsWith("perl/perlfaq");
        for (int i = 0; i < heads.size(); i++) {
            int end = i + 1 < heads.size() ? heads.get(i + 1)[0] : d.text().length();
            String heading = d.text().substring(heads.get(i)[0], heads.get(i)[1]);
            String title = heading.replaceFirst("^=head[12] ", "").strip();
            String body = d.text().substring(heads.get(i)[1], end).strip();
            String question = faq && title.endsWith("?") ? title : templated(title, rnd);
            add(out, d, title, heading + "\n\n", body, question);
        }
    }

    private static void rstSections(DemoCorpus.Document d, SplittableRandom rnd, List<Qa> out) {
        Matcher m = RST_HEADING.matcher(d.text());
        List<int[]> heads = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        while (m.find()) {
            int underline = m.end() - 1 - m.start(2);
            if (m.group(1).strip().length() <= underline + 2
                    && !m.group(1).startsWith(" ")
                    && !m.group(1).startsWith("..")) {
                heads.add(new int[] {m.start(), m.end()});
                titles.add(m.group(1).strip());
            }
        }
        boolean faq = d.id().startsWith("python/faq/");
        for (int i = 0; i < heads.size(); i++) {
            int end = i + 1 < heads.size() ? heads.get(i + 1)[0] : d.text().length();
            String title = titles.get(i);
            String heading = d.text().substring(heads.get(i)[0], heads.get(i)[1]);
            String body = d.text().substring(heads.get(i)[1], end).strip();
            String question = faq && title.endsWith("?") ? title : templated(title.replace("``", ""), rnd);
            add(out, d, title, heading + "\n", body, question);
        }
    }

    private static void javadocSections(DemoCorpus.Document d, SplittableRandom rnd, List<Qa> out) {
        Matcher cls = JAVA_CLASS.matcher(d.text());
        if (!cls.find()) {
            return;
        }
        String className = cls.group(1);
        Matcher m = JAVADOC_METHOD.matcher(d.text());
        while (m.find()) {
            String method = m.group(4);
            String comment = m.group(1).replaceAll("(?m)^     \\* ?", "").strip();
            int tags = comment.indexOf("\n@");
            String summary = (tags >= 0 ? comment.substring(0, tags) : comment).strip();
            if (summary.length() < 80) {
                continue;
            }
            String signature = m.group(3).strip();
            String question = switch (rnd.nextInt(3)) {
                case 0 -> "What does " + className + "." + method + " do?";
                case 1 -> "What does the " + method + " method of " + className + " do?";
                default -> "How does " + className + "." + method + "() behave?";
            };
            Section s = new Section(
                    d.id(), className + "." + method, className + "." + signature + "\n\n" + comment, summary);
            out.add(new Qa(question, cap(s), answer(summary)));
        }
    }

    private static void add(List<Qa> out, DemoCorpus.Document d, String title, String heading, String body, String q) {
        if (body.length() < 100 || title.length() > 100) {
            return;
        }
        Section s = new Section(d.id(), title, heading + body, body);
        out.add(new Qa(q, cap(s), answer(body)));
    }

    private static String templated(String title, SplittableRandom rnd) {
        String t = title.endsWith(".") || title.endsWith(":") ? title.substring(0, title.length() - 1) : title;
        return String.format(Locale.ROOT, TITLE_QUESTIONS[rnd.nextInt(TITLE_QUESTIONS.length)], t);
    }

    /** The section as a splitter would return it: at most {@link #SECTION_CHARS}, cut at a paragraph. */
    private static Section cap(Section s) {
        return new Section(s.source(), s.title(), cut(s.text(), SECTION_CHARS), s.body());
    }

    /** The answer: the body's opening up to {@link #ANSWER_CHARS}, ending at a paragraph or line boundary. */
    static String answer(String body) {
        return cut(body, ANSWER_CHARS);
    }

    static String cut(String text, int max) {
        if (text.length() <= max) {
            return text.strip();
        }
        int p = text.lastIndexOf("\n\n", max);
        if (p < max / 3) {
            p = text.lastIndexOf('\n', max);
        }
        if (p < max / 3) {
            p = text.lastIndexOf(' ', max);
        }
        return text.substring(0, Math.max(p, 1)).strip();
    }

    /**
     * A RAG question: the section that answers it among {@code distractors.size()} others in random order, in a
     * framework's layout, optionally after the samples' system message; the assistant quotes the answer.
     */
    public List<Message> ragTurn(Qa qa, List<Section> distractors, Layout layout, SplittableRandom rnd) {
        List<String> contents = new ArrayList<>();
        for (Section s : distractors) {
            contents.add(s.text());
        }
        contents.add(rnd.nextInt(contents.size() + 1), qa.section().text());
        return List.of(
                new Message("user", layout.userMessage(qa.question(), contents)),
                new Message("assistant", qa.answer()));
    }

    /** A code completion in chat form: a Java file's text cut after a line, and its next lines as the answer. */
    public static List<Message> codeTurn(String source, SplittableRandom rnd) {
        int cut = source.indexOf('\n', rnd.nextInt(Math.max(1, source.length() - 400)));
        if (cut < 0 || cut + 100 > source.length()) {
            return List.of();
        }
        int from = source.lastIndexOf('\n', Math.max(0, cut - 1500));
        String prefix = source.substring(Math.max(0, from + 1), cut + 1);
        String rest = cut(source.substring(cut + 1), 500);
        if (rest.length() < 40) {
            return List.of();
        }
        String ask = rnd.nextBoolean()
                ? "Complete this Java code:\n\n```java\n" + prefix + "```"
                : "Continue the following code.\n\n" + prefix;
        return List.of(new Message("user", ask), new Message("assistant", rest));
    }

    /**
     * Renders messages through the ChatML template ({@code <s>} then {@code <|im_start|>role\ncontent<|im_end|>\n}
     * per message) and ends with {@code </s>}. The text between special tokens is encoded piece by piece, as a HF
     * tokenizer splits added tokens out before BPE, so the ids equal those of the rendered template. Assistant
     * content and its {@code <|im_end|>} weigh 1; everything else (the prompt, which is corpus text and templates)
     * weighs {@code promptWeight}.
     */
    public Example render(List<Message> messages, float promptWeight) {
        IntStream.Builder ids = IntStream.builder();
        List<Float> w = new ArrayList<>();
        ids.add(bos);
        w.add(promptWeight);
        for (Message m : messages) {
            boolean answer = m.role().equals("assistant");
            ids.add(imStart);
            w.add(promptWeight);
            for (int id : tokenizer.encode(m.role() + "\n", false)) {
                ids.add(id);
                w.add(promptWeight);
            }
            for (int id : tokenizer.encode(m.content(), false)) {
                ids.add(id);
                w.add(answer ? 1f : promptWeight);
            }
            ids.add(imEnd);
            w.add(answer ? 1f : promptWeight);
            for (int id : tokenizer.encode("\n", false)) {
                ids.add(id);
                w.add(promptWeight);
            }
        }
        ids.add(eos);
        w.add(promptWeight);
        float[] weights = new float[w.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = w.get(i);
        }
        return new Example(ids.build().toArray(), weights);
    }

    /**
     * The demo template's text of a conversation, without the leading {@code <s>} (the tokenizer adds it), ending with
     * the generation prompt {@code <|im_start|>assistant\n}: a prompt that {@code encode(text, true)} turns into what
     * the chat path sends.
     */
    public static String chatml(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append("<|im_start|>")
                    .append(m.role())
                    .append('\n')
                    .append(m.content())
                    .append("<|im_end|>\n");
        }
        return sb.append("<|im_start|>assistant\n").toString();
    }

    /** The ids of a conversation up to the assistant's turn (the prompt a chat model receives). */
    public int[] prompt(List<Message> messages) {
        List<Message> head = messages.subList(0, messages.size() - 1);
        Example e = render(head, 0);
        IntStream.Builder ids = IntStream.builder();
        for (int i = 0; i < e.ids().length - 1; i++) {
            ids.add(e.ids()[i]);
        }
        ids.add(imStart);
        for (int id : tokenizer.encode("assistant\n", false)) {
            ids.add(id);
        }
        return ids.build().toArray();
    }
}
