package io.rasd.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark's tasks ({@code bench/tasks/*.jsonl}, one {@code {"prompt": ...}} a line) and their prompts. */
public final class BenchTasks {

    public static final List<String> NAMES = List.of("docqa", "summary", "code", "indomain-qa");

    private BenchTasks() {}

    /**
     * A task's prompt, and the text its answer should quote when the task has one ({@code "reference"}: docqa's
     * section), else null.
     */
    public record Prompt(String text, String reference) {}

    /**
     * Up to {@code perTask} prompts of each task, in {@link #NAMES}' order, spread over its file: neighbouring prompts
     * often share a document.
     */
    public static Map<String, List<String>> load(Path benchDir, int perTask) throws IOException {
        Map<String, List<String>> byTask = new LinkedHashMap<>();
        loadPrompts(benchDir, perTask)
                .forEach((task, prompts) ->
                        byTask.put(task, prompts.stream().map(Prompt::text).toList()));
        return byTask;
    }

    /** As {@link #load}, with each prompt's reference. */
    public static Map<String, List<Prompt>> loadPrompts(Path benchDir, int perTask) throws IOException {
        Map<String, List<Prompt>> byTask = new LinkedHashMap<>();
        for (String task : NAMES) {
            Path file = benchDir.resolve("tasks").resolve(task + ".jsonl");
            if (!Files.isRegularFile(file)) {
                throw new RasdException(file + " is missing: the benchmark needs bench/tasks/*.jsonl (give another"
                        + " folder with --tasks)");
            }
            List<String> lines =
                    Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
            List<Prompt> picked = new ArrayList<>();
            int n = Math.min(perTask, lines.size());
            for (int i = 0; i < n; i++) {
                int index = (int) ((long) i * lines.size() / n);
                JsonObject o = JsonParser.parseString(lines.get(index)).getAsJsonObject();
                if (!o.has("prompt") || !o.get("prompt").isJsonPrimitive()) {
                    throw new RasdException(
                            file + ": entry " + (index + 1) + " has no \"prompt\" string (expected {\"prompt\": ...})");
                }
                picked.add(new Prompt(
                        o.get("prompt").getAsString(),
                        o.has("reference") ? o.get("reference").getAsString() : null));
            }
            byTask.put(task, picked);
        }
        return byTask;
    }

    /** The prompts taken across tasks in turn (docqa, summary, code, qa, docqa, ...), so neighbours share no prefix. */
    public static <T> List<T> acrossTasks(Map<String, List<T>> byTask) {
        List<T> out = new ArrayList<>();
        int longest = byTask.values().stream().mapToInt(List::size).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (List<T> task : byTask.values()) {
                if (i < task.size()) {
                    out.add(task.get(i));
                }
            }
        }
        return out;
    }

    /**
     * {@code items} starting at index {@code rotation} (modulo their number), wrapping around. The benchmarks run their
     * contenders in this order, one rotation further per prompt, so that machine drift hits all alike.
     */
    public static <T> List<T> rotated(List<T> items, int rotation) {
        List<T> out = new ArrayList<>(items.size());
        for (int k = 0; k < items.size(); k++) {
            out.add(items.get((k + rotation) % items.size()));
        }
        return out;
    }
}
