package io.rasd.train;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the benchmark task files under {@code bench/tasks/} from the demo corpus ({@code docs/architecture.md} §13),
 * one JSON object per line: {@code id, task, prompt, messages, source, licence, heldout} ({@code heldout}: the models
 * never trained on the text), and for docqa {@code reference}, the section the answer should quote. Every prompt is a
 * chat conversation ({@code messages}) rendered through the demo models' ChatML template ({@code prompt}, without the
 * BOS the tokenizer adds), as a chat model provider receives it:
 * <ul>
 *   <li>docqa: a perlfaq question (chapters 3 and 5, held out whole) with its section and the next one as retrieved
 *       context (each cut at 700 characters, about 200 tokens, the samples' segment size), in either order, alternately in LangChain4j's layout (with the samples' system message) and Spring AI's; the answer
 *       should quote the section.</li>
 *   <li>summary: "Summarize the following text." and the opening of a held-out Python documentation page.</li>
 *   <li>code: "Complete this Java code:" and a held-out OpenJDK source file cut after a method's opening brace.</li>
 *   <li>indomain-qa: a Python FAQ question alone (the FAQ was trained on, except held-out pages; the datastore holds
 *       it, so retrieval from the datastore is what can pay here).</li>
 * </ul>
 * Also copies the Python FAQ into {@code bench/corpus/} so the benchmark's datastore (demo corpus + FAQ) builds
 * offline.
 */
public final class BuildBenchTasks {

    private static final Pattern POD_HEAD2 = Pattern.compile("(?m)^=head2 (.+)$");
    private static final Pattern RST_QUESTION = Pattern.compile("(?m)^([^\\n]{10,120}\\?)\\n-{5,}\\n");
    private static final Pattern JAVA_METHOD = Pattern.compile(
            "(?m)^    (public|protected|private|static|final|synchronized| )+[\\w<>\\[\\], ?]+ \\w+\\([^)]*\\)"
                    + "( throws [\\w., ]+)? \\{\\n");

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        Path out = Path.of(args.length > 0 ? args[0] : "bench");
        List<DemoCorpus.Document> docs = DemoCorpus.load();
        List<JsonObject> docqa = new ArrayList<>();
        List<JsonObject> summary = new ArrayList<>();
        List<JsonObject> code = new ArrayList<>();
        List<JsonObject> faq = new ArrayList<>();
        for (DemoCorpus.Document d : docs) {
            if (d.id().equals("perl/perlfaq3.pod") || d.id().equals("perl/perlfaq5.pod")) {
                Matcher m = POD_HEAD2.matcher(d.text());
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                for (int i = 0; i < spans.size(); i++) {
                    String whole = section(d.text(), spans, i);
                    if (whole.length() < 400 || whole.length() > 4000) {
                        continue;
                    }
                    // about 200 tokens, cut at a paragraph: the segment size of the samples' splitter
                    String section = ChatExamples.cut(whole, 700);
                    String question =
                            d.text().substring(spans.get(i)[0], spans.get(i)[1]).substring(7);
                    String next = ChatExamples.cut(section(d.text(), spans, (i + 1) % spans.size()), 700);
                    List<ChatExamples.Message> messages = new ArrayList<>();
                    ChatExamples.Layout layout = ChatExamples.Layout.values()[docqa.size() % 2];
                    if (layout == ChatExamples.Layout.LANGCHAIN4J) {
                        messages.add(new ChatExamples.Message("system", ChatExamples.SAMPLE_SYSTEM));
                    }
                    // the section first in half the prompts of each layout, second in the others
                    List<String> contents =
                            (docqa.size() / 2) % 2 == 0 ? List.of(section, next) : List.of(next, section);
                    messages.add(new ChatExamples.Message("user", layout.userMessage(question, contents)));
                    JsonObject t = task(d, "docqa", docqa.size(), messages);
                    t.addProperty("layout", layout.name().toLowerCase(java.util.Locale.ROOT));
                    t.addProperty("reference", section);
                    docqa.add(t);
                }
            } else if (d.heldOut()
                    && d.source().equals("python3.11-doc")
                    && !d.id().contains("/faq/")
                    && d.text().length() > 2500) {
                String opening = d.text().substring(0, 2000);
                opening = opening.substring(0, opening.lastIndexOf('\n') + 1);
                summary.add(task(
                        d,
                        "summary",
                        summary.size(),
                        List.of(new ChatExamples.Message("user", "Summarize the following text.\n\n" + opening))));
            } else if (d.heldOut() && d.source().equals("openjdk-17-source")) {
                Matcher m = JAVA_METHOD.matcher(d.text());
                int found = 0;
                while (m.find() && found < 2) {
                    if (m.end() < 1500) {
                        continue;
                    }
                    String prefix = d.text().substring(Math.max(0, m.end() - 2000), m.end());
                    prefix = prefix.substring(prefix.indexOf('\n') + 1);
                    code.add(task(
                            d,
                            "code",
                            code.size(),
                            List.of(new ChatExamples.Message(
                                    "user", "Complete this Java code:\n\n```java\n" + prefix + "```"))));
                    found++;
                }
            }
            if (d.id().startsWith("python/faq/") && !d.id().endsWith("index.rst.txt")) {
                Matcher m = RST_QUESTION.matcher(d.text());
                while (m.find()) {
                    faq.add(task(d, "indomain-qa", faq.size(), List.of(new ChatExamples.Message("user", m.group(1)))));
                }
                Path copy = out.resolve("corpus").resolve(d.id());
                Files.createDirectories(copy.getParent());
                Files.writeString(copy, d.text());
            }
        }
        Files.createDirectories(out.resolve("tasks"));
        write(out.resolve("tasks/docqa.jsonl"), docqa);
        write(out.resolve("tasks/summary.jsonl"), summary);
        write(out.resolve("tasks/code.jsonl"), code);
        write(out.resolve("tasks/indomain-qa.jsonl"), faq);
        System.out.printf(
                "docqa %d, summary %d, code %d, indomain-qa %d%n",
                docqa.size(), summary.size(), code.size(), faq.size());
    }

    private static String section(String text, List<int[]> spans, int i) {
        int end = i + 1 < spans.size() ? spans.get(i + 1)[0] : text.length();
        return text.substring(spans.get(i)[0], end).strip();
    }

    private static JsonObject task(DemoCorpus.Document d, String task, int n, List<ChatExamples.Message> messages) {
        JsonObject o = new JsonObject();
        o.addProperty("id", task + "-" + n);
        o.addProperty("task", task);
        o.addProperty("prompt", ChatExamples.chatml(messages));
        com.google.gson.JsonArray m = new com.google.gson.JsonArray();
        for (ChatExamples.Message msg : messages) {
            JsonObject j = new JsonObject();
            j.addProperty("role", msg.role());
            j.addProperty("content", msg.content());
            m.add(j);
        }
        o.add("messages", m);
        o.addProperty("source", d.source() + ":" + d.id());
        o.addProperty(
                "licence",
                switch (d.source()) {
                    case "perl-doc" -> "Perl (Artistic License or GPL-1.0+)";
                    case "python3.11-doc" -> "PSF License 2.0";
                    default -> "GPL-2.0 with Classpath Exception";
                });
        o.addProperty("heldout", d.heldOut());
        return o;
    }

    private static void write(Path file, List<JsonObject> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        Gson gson = new com.google.gson.GsonBuilder().disableHtmlEscaping().create();
        for (JsonObject o : rows) {
            sb.append(gson.toJson(o)).append('\n');
        }
        Files.writeString(file, sb.toString());
    }
}
