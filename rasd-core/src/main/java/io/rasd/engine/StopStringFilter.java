package io.rasd.engine;

import java.util.List;

/**
 * Turns the detokenizer's text deltas into output that never shows a stop string: it holds back only the end of the
 * text that is the beginning of some stop string (it may still become one), and cuts the text where a stop string
 * first appears.
 */
final class StopStringFilter {

    private final List<String> stops;
    private final int holdBack;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops;
        int longest = 0;
        for (String s : stops) {
            longest = Math.max(longest, s.length());
        }
        this.holdBack = Math.max(0, longest - 1);
    }

    /** Adds a delta; returns the text that is now safe to show. After a stop string, returns only what precedes it. */
    String accept(String delta) {
        if (stopped || delta.isEmpty()) {
            return "";
        }
        int searchFrom = Math.max(0, text.length() - holdBack);
        text.append(delta);
        int cut = -1;
        for (String s : stops) {
            int at = text.indexOf(s, searchFrom);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            text.setLength(cut);
            return release(cut);
        }
        int safe = text.length() - partialStopSuffix();
        if (safe > emitted && Character.isHighSurrogate(text.charAt(safe - 1))) {
            safe--;   // never split a surrogate pair
        }
        return release(safe);
    }

    /** Length of the longest end of the text that is a proper prefix of a stop string. */
    private int partialStopSuffix() {
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, text.length()); k > best; k--) {
                if (CharSequence.compare(text.subSequence(text.length() - k, text.length()), s.substring(0, k)) == 0) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    /** The end of generation: everything held back is safe now. */
    String finish() {
        return release(text.length());
    }

    boolean stopped() {
        return stopped;
    }

    String text() {
        return text.toString();
    }

    private String release(int upTo) {
        if (upTo <= emitted) {
            return "";
        }
        String out = text.substring(emitted, upTo);
        emitted = upTo;
        return out;
    }
}
