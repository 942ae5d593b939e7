package io.rasd.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * chart.svg: the benchmarks' bar charts, rendered from their results.json as self-contained SVG (no plotting
 * library).
 */
public final class BenchCharts {

    // one per row of ./rasd bench: seven modes, then the four drafting modes with the EAGLE head
    private static final String[] COLOURS = {
        "#9e9e9e", "#00acc1", "#fbc02d", "#43a047", "#8e24aa", "#3949ab", "#e53935", "#6d4c41", "#f06292", "#26a69a",
        "#ff7043"
    };

    private static final int PEERS_WIDTH = 1000;
    private static final int PEERS_LABEL = 300;
    private static final int PEERS_BAR = 18;
    private static final int PEERS_GAP = 6;

    private BenchCharts() {}

    /** {@code ./rasd bench}: a grouped bar chart of speedup per task and mode. */
    public static String speedupByTask(JsonObject results) {
        Map<String, Map<String, Double>> byTask = new LinkedHashMap<>();
        List<String> modes = new ArrayList<>();
        for (var el : results.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            String mode = r.get("mode").getAsString();
            if (!modes.contains(mode)) {
                modes.add(mode);
            }
            byTask.computeIfAbsent(r.get("task").getAsString(), k -> new LinkedHashMap<>())
                    .put(mode, r.get("speedup").getAsDouble());
        }
        double max = 1;
        for (var t : byTask.values()) {
            for (double v : t.values()) {
                max = Math.max(max, v);
            }
        }
        max = Math.ceil(max);
        int barW = 14;
        int groupW = modes.size() * barW + 30;
        int left = 50;
        int top = 30;
        int plotH = 260;
        int width = left + byTask.size() * groupW + 160;
        int height = top + plotH + 50;
        StringBuilder s = new StringBuilder();
        for (int g = 0; g <= (int) max; g++) {
            double y = top + plotH - plotH * g / max;
            s.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%dx</text>%n",
                    left,
                    left + byTask.size() * groupW,
                    y,
                    y,
                    g == 1 ? "#000" : "#ddd",
                    left - 6,
                    y + 4,
                    g));
        }
        int gx = left + 10;
        for (var t : byTask.entrySet()) {
            for (int m = 0; m < modes.size(); m++) {
                double v = t.getValue().getOrDefault(modes.get(m), 0.0);
                double h = plotH * v / max;
                s.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\""
                                + " fill=\"%s\"><title>%s %s: %.2fx</title></rect>%n",
                        gx + m * barW,
                        top + plotH - h,
                        barW - 2,
                        h,
                        COLOURS[m % COLOURS.length],
                        t.getKey(),
                        modes.get(m),
                        v));
            }
            s.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    gx + modes.size() * barW / 2,
                    top + plotH + 18,
                    t.getKey()));
            gx += groupW;
        }
        for (int m = 0; m < modes.size(); m++) {
            int y = top + 10 + m * 18;
            s.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text>%n",
                    gx + 10,
                    y,
                    COLOURS[m % COLOURS.length],
                    gx + 28,
                    y + 10,
                    modes.get(m)));
        }
        return svg(
                width,
                height,
                left,
                18,
                "Speedup over ar per task and mode ("
                        + results.getAsJsonObject("config").get("suite").getAsString() + " suite)",
                s);
    }

    /**
     * {@code ./rasd bench --peers}: one panel per model, one bar per engine and mode, tokens per second, each panel on
     * its own scale (the demo models and the 0.5B differ a hundredfold). rasd's bars are blue, peers' grey.
     */
    public static String ratesByModel(JsonObject json) {
        Map<String, List<JsonObject>> byModel = new LinkedHashMap<>();
        for (JsonElement el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            byModel.computeIfAbsent(r.get("model").getAsString(), k -> new ArrayList<>())
                    .add(r);
        }
        StringBuilder body = new StringBuilder();
        int y = 30;
        for (var e : byModel.entrySet()) {
            body.append(String.format(
                    Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n", y, escape(e.getKey())));
            y += 12;
            double max = e.getValue().stream()
                    .mapToDouble(r -> r.get("tokens_per_second").getAsDouble())
                    .max()
                    .orElse(1);
            for (JsonObject r : e.getValue()) {
                double rate = r.get("tokens_per_second").getAsDouble();
                int w = (int) Math.round((PEERS_WIDTH - PEERS_LABEL - 330) * (max > 0 ? rate / max : 0));
                boolean rasd = r.get("engine").getAsString().equals("rasd");
                body.append(String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %s</text>%n"
                                + "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n"
                                + "<text x=\"%d\" y=\"%d\">%.1f tok/s (%.2fx)%s</text>%n",
                        PEERS_LABEL - 8,
                        y + PEERS_BAR - 5,
                        escape(r.get("engine").getAsString()),
                        escape(r.get("mode").getAsString()),
                        PEERS_LABEL,
                        y,
                        Math.max(w, 1),
                        PEERS_BAR,
                        rasd ? "#2b6cb0" : "#8a8f98",
                        PEERS_LABEL + Math.max(w, 1) + 6,
                        y + PEERS_BAR - 5,
                        rate,
                        r.get("vs_rasd_ar").getAsDouble(),
                        r.has("first_token_seconds")
                                ? String.format(
                                        Locale.ROOT,
                                        ", first token %.0f ms, decode %.1f tok/s",
                                        1000 * r.get("first_token_seconds").getAsDouble(),
                                        r.get("decode_tokens_per_second").getAsDouble())
                                : ""));
                y += PEERS_BAR + PEERS_GAP;
            }
            y += 24;
        }
        return svg(
                PEERS_WIDTH,
                y,
                10,
                16,
                "Greedy decoding, tokens per second end to end (higher is better), same prompts, one run",
                body);
    }

    /** The document around a chart's body: its size, then its title at (x, y). */
    private static String svg(int width, int height, int titleX, int titleY, String title, CharSequence body) {
        return String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                        + " font-family=\"sans-serif\" font-size=\"12\">%n<text x=\"%d\" y=\"%d\" font-size=\"14\">%s</text>%n"
                        + "%s</svg>%n",
                width,
                height,
                titleX,
                titleY,
                escape(title),
                body);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
