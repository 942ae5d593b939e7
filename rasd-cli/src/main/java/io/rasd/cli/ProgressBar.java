package io.rasd.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place with '\r'. Redraws at most every 100 ms: a folder of small files reports
 * progress thousands of times a second, and a terminal scrolling that fast slows the build it reports on.
 */
final class ProgressBar {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final String label;
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    /** True when a person is watching: the JVM has a console (stdin and stdout are a terminal). */
    static boolean interactive() {
        return System.console() != null;
    }

    void update(long done, long total) {
        long now = System.nanoTime();
        if (drawn && done < total && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        drawn = true;
        double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        out.print(String.format(
                Locale.ROOT,
                "\r%s [%s%s] %3.0f%% %s / %s",
                label,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                100 * fraction,
                bytes(done),
                bytes(total)));
        out.flush();
    }

    /** Ends the bar's line so what follows starts on its own. */
    void finish() {
        if (drawn) {
            out.println();
        }
    }

    /** A byte count in binary units, e.g. {@code 1.5 MiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
