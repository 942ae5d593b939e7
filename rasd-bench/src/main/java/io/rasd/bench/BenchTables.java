package io.rasd.bench;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** results.md: the benchmarks' tables, rendered from their results.json. */
public final class BenchTables {

    private BenchTables() {}

    /**
     * {@code ./rasd bench}: modes down, tasks across, speedup and τ in each cell, the mean speedup last: like the
     * paper's table.
     */
    public static String speedupByTask(JsonObject json) {
        Map<String, Map<String, double[]>> cells = new LinkedHashMap<>();
        List<String> tasks = new ArrayList<>();
        Map<String, Double> distinct4 = new LinkedHashMap<>();
        Map<String, Double> overlap = new LinkedHashMap<>();
        Map<String, String> dtypes = new LinkedHashMap<>(); // per mode; runs before the column existed have none
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            if (r.has("dtype")) {
                dtypes.put(r.get("mode").getAsString(), r.get("dtype").getAsString());
            }
            String task = r.get("task").getAsString();
            if (!tasks.contains(task)) {
                tasks.add(task);
            }
            if (r.has("distinct_4gram_ratio")) {
                distinct4.put(task, r.get("distinct_4gram_ratio").getAsDouble());
            }
            if (r.has("answer_overlap")) {
                overlap.put(task, r.get("answer_overlap").getAsDouble());
            }
            cells.computeIfAbsent(r.get("mode").getAsString(), k -> new LinkedHashMap<>())
                    .put(task, new double[] {
                        r.get("speedup").getAsDouble(),
                        r.get("tau").getAsDouble(),
                        r.get("lossless_match").getAsDouble()
                    });
        }
        JsonObject machine = json.getAsJsonObject("machine");
        JsonObject config = json.getAsJsonObject("config");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "Suite `%s`: %d prompts per task, %d new tokens, temperature %s; %s,"
                        + " %d cores, %s. Cells: speedup over ar (τ = tokens per target forward).%n%n",
                config.get("suite").getAsString(),
                config.get("prompts_per_task").getAsInt(),
                config.get("max_new_tokens").getAsInt(),
                config.get("temperature").getAsString(),
                machine.get("cpu").getAsString(),
                machine.get("cores").getAsInt(),
                machine.get("engine").getAsString()));
        boolean dtypeColumn = !dtypes.isEmpty();
        sb.append(dtypeColumn ? "| mode | dtype |" : "| mode |");
        tasks.forEach(t -> sb.append(' ').append(t).append(" |"));
        sb.append(dtypeColumn ? " mean speedup | lossless |\n|---|---|" : " mean speedup | lossless |\n|---|");
        tasks.forEach(t -> sb.append("---|"));
        sb.append("---|---|\n");
        for (var e : cells.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            if (dtypeColumn) {
                sb.append(' ').append(dtypes.getOrDefault(e.getKey(), "")).append(" |");
            }
            double sum = 0;
            double lossless = 1;
            for (String t : tasks) {
                double[] c = e.getValue().get(t);
                sb.append(String.format(Locale.ROOT, " %.2fx (τ %.2f) |", c[0], c[1]));
                sum += c[0];
                lossless = Math.min(lossless, c[2]);
            }
            sb.append(String.format(
                    Locale.ROOT,
                    " %.2fx | %s |%n",
                    sum / tasks.size(),
                    lossless == 1.0 ? "1.0" : String.format(Locale.ROOT, "%.2f", lossless)));
        }
        if (!distinct4.isEmpty()) {
            // a looping output flatters retrieval: show how repetitive the text behind each column is
            sb.append(dtypeColumn ? "| *distinct 4-grams of the output* | |" : "| *distinct 4-grams of the output* |");
            for (String t : tasks) {
                Double d = distinct4.get(t);
                sb.append(d == null ? " |" : String.format(Locale.ROOT, " %.2f |", d));
            }
            sb.append(" | |\n");
        }
        if (!overlap.isEmpty()) {
            // answer quality where the task has a reference: does the answer quote the section it was given?
            sb.append(
                    dtypeColumn
                            ? "| *answer words quoting the reference* | |"
                            : "| *answer words quoting the reference* |");
            for (String t : tasks) {
                Double d = overlap.get(t);
                sb.append(d == null ? " |" : String.format(Locale.ROOT, " %.2f |", d));
            }
            sb.append(" | |\n");
        }
        return sb.toString();
    }

    /**
     * {@code ./rasd bench --peers}: one table per model, one row per engine and mode: time to first token, decode
     * tokens/s, end-to-end tokens/s (and its ratio to rasd {@code ar}'s), τ, and whether the output was rasd
     * {@code ar}'s. Under each model's name, its prompts and new tokens.
     */
    public static String ratesByModel(JsonObject json) {
        JsonObject machine = json.getAsJsonObject("machine");
        JsonObject config = json.getAsJsonObject("config");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "Peers (`%s`): greedy; %s, %d cores, %s; peers use %d threads, rasd's PyTorch %d.",
                config.get("suite").getAsString(),
                machine.get("cpu").getAsString(),
                machine.get("cores").getAsInt(),
                machine.get("java").getAsString(),
                config.get("peer_threads").getAsInt(),
                config.get("rasd_threads").getAsInt()));
        if (config.has("rasd_pytorch_features")) {
            sb.append(" rasd's PyTorch is built with ")
                    .append(config.get("rasd_pytorch_features").getAsString())
                    .append('.');
        }
        if (config.has("other_processes_cpu_share")) {
            sb.append(String.format(
                    Locale.ROOT,
                    " Other processes used %.0f%% of the machine's CPU time during the run.",
                    100 * config.get("other_processes_cpu_share").getAsDouble()));
        }
        if (config.has("engines_loaded_at_once")) {
            sb.append(" One engine loaded at a time: each runs every prompt, its modes taking turns, and is closed"
                    + " before the next loads.");
        }
        sb.append(" First token: from the call until the first generated token reached the caller (prefill and the"
                + " first step). Decode: the tokens after the first over the time after the first. End to end: all"
                + " tokens over the whole request.");
        boolean otherDtype = false;
        for (var el : json.getAsJsonArray("rows")) {
            otherDtype |= el.getAsJsonObject().has("tokens_matching_rasd_ar");
        }
        if (otherDtype) {
            sb.append(
                    " Rows in another dtype than rasd ar's (such as llama.cpp f16 beside rasd bf16) round differently and"
                            + " cannot be expected to reproduce rasd ar's tokens: their last column is not a check but the"
                            + " share of rasd ar's tokens they reproduce (the common prefix over rasd ar's length, mean over"
                            + " prompts), marked \"of tokens\".");
        }
        sb.append('\n');
        for (var s : config.getAsJsonArray("skipped")) {
            sb.append("Skipped: ").append(s.getAsString()).append('\n');
        }
        Map<String, JsonObject> groups = new LinkedHashMap<>();
        for (var g : config.getAsJsonArray("models")) {
            groups.put(g.getAsJsonObject().get("model").getAsString(), g.getAsJsonObject());
        }
        String model = null;
        for (var el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            if (!r.get("model").getAsString().equals(model)) {
                model = r.get("model").getAsString();
                sb.append("\n").append(model).append("\n\n");
                JsonObject g = groups.get(model);
                if (g != null) {
                    sb.append(String.format(
                            Locale.ROOT,
                            "%d prompts of %d to %d tokens, %d new tokens each",
                            g.get("prompts").getAsInt(),
                            g.get("prompt_tokens_min").getAsInt(),
                            g.get("prompt_tokens_max").getAsInt(),
                            g.get("max_new_tokens").getAsInt()));
                    if (r.has("distinct_4")) {
                        // a looping model flatters retrieval: the speed-ups are read beside this
                        sb.append(String.format(
                                Locale.ROOT,
                                "; distinct 4-grams of rasd ar's output: %.2f",
                                r.get("distinct_4").getAsDouble()));
                    }
                    sb.append(String.format("%n%n"));
                }
                sb.append("| engine | mode | dtype | first token (ms) | decode tok/s | end to end tok/s | vs rasd ar"
                        + " | τ | same output as rasd ar |\n|---|---|---|---|---|---|---|---|---|\n");
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %.0f | %.1f | %.1f | %.2fx | %s | %s |%n",
                    r.get("engine").getAsString(),
                    r.get("mode").getAsString(),
                    r.get("dtype").getAsString(),
                    1000 * r.get("first_token_seconds").getAsDouble(),
                    r.get("decode_tokens_per_second").getAsDouble(),
                    r.get("tokens_per_second").getAsDouble(),
                    r.get("vs_rasd_ar").getAsDouble(),
                    r.has("tau")
                            ? String.format(Locale.ROOT, "%.2f", r.get("tau").getAsDouble())
                            : "",
                    r.has("tokens_matching_rasd_ar")
                            ? String.format(
                                    Locale.ROOT,
                                    "%.2f of tokens",
                                    r.get("tokens_matching_rasd_ar").getAsDouble())
                            : String.format(
                                    Locale.ROOT,
                                    "%.2f",
                                    r.get("same_output_as_rasd_ar").getAsDouble())));
        }
        return sb.toString();
    }
}
