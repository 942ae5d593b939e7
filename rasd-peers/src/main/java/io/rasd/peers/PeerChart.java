package io.rasd.peers;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The peers' results as an SVG bar chart: one panel per model, one bar per engine and mode, tokens per second, each
 * panel on its own scale (the demo models and the 0.5B differ a hundredfold). rasd's bars are blue, peers' grey.
 */
final class PeerChart {

    private static final int WIDTH = 760;
    private static final int LABEL = 300;
    private static final int BAR = 18;
    private static final int GAP = 6;

    private PeerChart() {
    }

    static String svg(JsonObject json) {
        Map<String, List<JsonObject>> byModel = new LinkedHashMap<>();
        for (JsonElement el : json.getAsJsonArray("rows")) {
            JsonObject r = el.getAsJsonObject();
            byModel.computeIfAbsent(r.get("model").getAsString(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder body = new StringBuilder();
        int y = 30;
        for (var e : byModel.entrySet()) {
            body.append(String.format(Locale.ROOT,
                    "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n", y, escape(e.getKey())));
            y += 12;
            double max = e.getValue().stream().mapToDouble(r -> r.get("tokens_per_second").getAsDouble()).max()
                    .orElse(1);
            for (JsonObject r : e.getValue()) {
                double rate = r.get("tokens_per_second").getAsDouble();
                int w = (int) Math.round((WIDTH - LABEL - 90) * (max > 0 ? rate / max : 0));
                boolean rasd = r.get("engine").getAsString().equals("rasd");
                body.append(String.format(Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %s</text>%n"
                                + "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n"
                                + "<text x=\"%d\" y=\"%d\">%.1f tok/s (%.2fx)</text>%n",
                        LABEL - 8, y + BAR - 5, escape(r.get("engine").getAsString()),
                        escape(r.get("mode").getAsString()),
                        LABEL, y, Math.max(w, 1), BAR, rasd ? "#2b6cb0" : "#8a8f98",
                        LABEL + Math.max(w, 1) + 6, y + BAR - 5, rate, r.get("vs_rasd_ar").getAsDouble()));
                y += BAR + GAP;
            }
            y += 24;
        }
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n<text x=\"10\" y=\"16\" font-size=\"14\">Greedy"
                + " decoding, tokens per second (higher is better), same prompts, one run</text>%n%s</svg>%n",
                WIDTH, y, body);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
