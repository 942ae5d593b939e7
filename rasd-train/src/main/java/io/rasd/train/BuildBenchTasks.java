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
 * one JSON object per line: {@code id, task, prompt, source, licence, heldout} ({@code heldout}: the models never
 * trained on the text).
 * <ul>
 *   <li>docqa: a perlfaq section (chapters 3 and 5, held out whole) as the document, then its question; the answer
 *       quotes the document.</li>
 *   <li>summary: the opening of a held-out Python documentation page, then "Summary:".</li>
 *   <li>code: a held-out OpenJDK source file cut after a method signature's opening brace.</li>
 *   <li>indomain-qa: a Python FAQ question heading (the FAQ was trained on, except held-out pages).</li>
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
                    int end = i + 1 < spans.size()
                            ? spans.get(i + 1)[0]
                            : d.text().length();
                    String heading = d.text().substring(spans.get(i)[0], spans.get(i)[1]);
                    String section = d.text().substring(spans.get(i)[0], end).strip();
                    if (section.length() < 400 || section.length() > 4000) {
                        continue;
                    }
                    String question = heading.substring("=head2 ".length());
                    docqa.add(task(
                            d,
                            "docqa",
                            docqa.size(),
                            "Document:\n\n" + section + "\n\nQuestion: " + question + "\n\n" + heading + "\n\n"));
                }
            } else if (d.heldOut()
                    && d.source().equals("python3.11-doc")
                    && !d.id().contains("/faq/")
                    && d.text().length() > 2500) {
                String opening = d.text().substring(0, 2000);
                opening = opening.substring(0, opening.lastIndexOf('\n') + 1);
                summary.add(task(d, "summary", summary.size(), opening + "\nSummary: "));
            } else if (d.heldOut() && d.source().equals("openjdk-17-source")) {
                Matcher m = JAVA_METHOD.matcher(d.text());
                int found = 0;
                while (m.find() && found < 2) {
                    if (m.end() < 1500) {
                        continue;
                    }
                    code.add(task(d, "code", code.size(), d.text().substring(Math.max(0, m.end() - 3000), m.end())));
                    found++;
                }
            }
            if (d.id().startsWith("python/faq/") && !d.id().endsWith("index.rst.txt")) {
                Matcher m = RST_QUESTION.matcher(d.text());
                while (m.find()) {
                    faq.add(task(
                            d,
                            "indomain-qa",
                            faq.size(),
                            m.group(1) + "\n" + "-".repeat(m.group(1).length()) + "\n\n"));
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

    private static JsonObject task(DemoCorpus.Document d, String task, int n, String prompt) {
        JsonObject o = new JsonObject();
        o.addProperty("id", task + "-" + n);
        o.addProperty("task", task);
        o.addProperty("prompt", prompt);
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
