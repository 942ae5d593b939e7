package io.rasd.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the line number Jinjava reports for an error back to the template's own line. With {@code trim_blocks} on,
 * Jinjava does not count the newline right after a block tag ({@code %}}), so after a {@code {% if %}} line every
 * reported line was one too low (measured: three {@code {% set %}} lines and an error on line 4 reported line 1).
 * Jinjava's line therefore stands for a run of template lines: every line that ends in a block tag, up to the first
 * that does not. The error is in the line of that run holding the text the message quotes, else the run's last line.
 */
final class TemplateLines {

    private static final Pattern QUOTED = Pattern.compile("'([^'\\n]{2,})'");

    private TemplateLines() {}

    static int sourceLine(String template, int jinjavaLine, String message) {
        if (jinjavaLine < 1) {
            return jinjavaLine;
        }
        String[] lines = template.split("\n", -1);
        List<Integer> run = new ArrayList<>();
        int counted = 1;
        for (int i = 0; i < lines.length; i++) {
            if (counted == jinjavaLine) {
                run.add(i + 1);
            } else if (counted > jinjavaLine) {
                break;
            }
            if (!lines[i].endsWith("%}")) {
                counted++;
            }
        }
        if (run.isEmpty()) {
            return jinjavaLine;
        }
        Matcher q = QUOTED.matcher(message == null ? "" : message);
        while (q.find()) {
            String quoted = q.group(1).strip();
            for (int line : run) {
                if (lines[line - 1].contains(quoted)) {
                    return line;
                }
            }
        }
        return run.get(run.size() - 1);
    }
}
