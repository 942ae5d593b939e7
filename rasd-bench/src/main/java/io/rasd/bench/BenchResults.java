package io.rasd.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a benchmark's results: {@code results.json}, {@code results.md} and, where the benchmark draws one,
 * {@code chart.svg}. {@link BenchTables} and {@link BenchCharts} render the tables and charts from the JSON.
 */
public final class BenchResults {

    private BenchResults() {}

    /** results.json's text: pretty-printed, no HTML escaping (model labels hold quotes and parentheses). */
    public static String json(JsonObject json) {
        return new GsonBuilder()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .create()
                .toJson(json);
    }

    /**
     * Writes the files into {@code outDir} (created if needed), then prints the table and where they went.
     *
     * @param svg the chart, or null for none
     */
    public static void write(Path outDir, JsonObject json, String markdown, String svg) throws IOException {
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("results.json"), json(json));
        Files.writeString(outDir.resolve("results.md"), markdown);
        if (svg != null) {
            Files.writeString(outDir.resolve("chart.svg"), svg);
        }
        System.out.print(markdown);
        System.out.println(
                "wrote " + outDir.resolve("results.json") + ", results.md" + (svg != null ? ", chart.svg" : ""));
    }
}
