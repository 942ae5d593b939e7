package io.rasd.cli;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A grouped bar chart of speedup per task and mode, as a self-contained SVG (no plotting library needed). */
final class BenchChart {

    private static final String[] COLOURS = {"#9e9e9e", "#00acc1", "#fbc02d", "#43a047", "#8e24aa", "#3949ab",
        "#e53935"};

    private BenchChart() { }

    static String svg(JsonObject results) {
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
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">Speedup over ar per task and"
                + " mode (%s suite)</text>%n", left, results.getAsJsonObject("config").get("suite").getAsString()));
        for (int g = 0; g <= (int) max; g++) {
            double y = top + plotH - plotH * g / max;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%dx</text>%n", left, left + byTask.size()
                    * groupW, y, y, g == 1 ? "#000" : "#ddd", left - 6, y + 4, g));
        }
        int gx = left + 10;
        for (var t : byTask.entrySet()) {
            for (int m = 0; m < modes.size(); m++) {
                double v = t.getValue().getOrDefault(modes.get(m), 0.0);
                double h = plotH * v / max;
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\""
                                + " fill=\"%s\"><title>%s %s: %.2fx</title></rect>%n", gx + m * barW,
                        top + plotH - h, barW - 2, h, COLOURS[m % COLOURS.length], t.getKey(), modes.get(m), v));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    gx + modes.size() * barW / 2, top + plotH + 18, t.getKey()));
            gx += groupW;
        }
        for (int m = 0; m < modes.size(); m++) {
            int y = top + 10 + m * 18;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", gx + 10, y, COLOURS[m % COLOURS.length], gx + 28,
                    y + 10, modes.get(m)));
        }
        s.append("</svg>\n");
        return s.toString();
    }
}
