package io.rasd.text.tools;

import io.rasd.RasdException;
import io.rasd.text.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a model's answer for tool calls as it streams: {@link #push} takes each text delta and returns the text that
 * may be shown now; text that may still turn out to start a call (a partial marker, whitespace before it, an answer
 * that opens like a call's JSON) is held back, and a call is buffered whole. {@link #finish} returns what is left to
 * show, after which {@link #reply} holds the whole text and the parsed calls: text first, then the calls.
 *
 * <p>A call that does not parse (malformed JSON, no name, an unterminated block) is never an error: its text is
 * returned as text, in place, and logged as a warning. The split of the answer into deltas never changes the result.
 *
 * <p>Not thread-safe: one per generation.
 */
public final class ToolCallStream {

    private static final Logger LOG = LoggerFactory.getLogger(ToolCallStream.class);
    /** How much of a call that did not parse the warning quotes. */
    private static final int QUOTED_CHARS = 200;

    private enum Mode {
        /** Text, watching for a marker (and, at the start, an opening). */
        TEXT,
        /** Inside one call's block, until its end marker ({@link ToolCallFormat#HERMES}). */
        BLOCK,
        /** Calls that run to the end of the answer ({@link ToolCallFormat#LLAMA3_JSON}, {@link ToolCallFormat#MISTRAL}). */
        TO_END
    }

    private final ToolCallFormat format;
    private final Supplier<String> ids;
    /** In TEXT: text not shown yet. In BLOCK and TO_END: the call's text after its marker. */
    private final StringBuilder pending = new StringBuilder();
    /** What was taken off before the current call's body (whitespace, the marker): given back if it does not parse. */
    private String callPrefix = "";
    /** In BLOCK: where in {@link #pending} the end marker may start (before, it was looked for already). */
    private int scanned;

    private final StringBuilder text = new StringBuilder();
    private final List<ToolCall> calls = new ArrayList<>();
    private Mode mode = Mode.TEXT;
    /** Whether nothing but whitespace has come yet, so an opening may still start the calls. */
    private boolean atStart = true;

    private boolean finished;

    /** A stream whose calls get {@link ToolCallIds#next()} ids. */
    public ToolCallStream(ToolCallFormat format) {
        this(format, ToolCallIds::next);
    }

    /** A stream whose calls get ids from {@code ids} (tests: fixed ids). */
    public ToolCallStream(ToolCallFormat format, Supplier<String> ids) {
        this.format = Objects.requireNonNull(format, "format");
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /** A whole answer read at once: the same as pushing it in any pieces. */
    public static ModelReply parse(ToolCallFormat format, String answer) {
        return parse(format, answer, ToolCallIds::next);
    }

    public static ModelReply parse(ToolCallFormat format, String answer, Supplier<String> ids) {
        ToolCallStream s = new ToolCallStream(format, ids);
        s.push(answer);
        s.finish();
        return s.reply();
    }

    /** Takes the next piece of the answer; returns the text that can be shown now (often empty). */
    public String push(String delta) {
        if (finished) {
            throw new IllegalStateException("the stream is finished");
        }
        StringBuilder out = new StringBuilder();
        pending.append(delta);
        while (advance(out)) {
            // each round consumes a marker or a call's block
        }
        return emit(out);
    }

    /** The answer is complete: parses what was buffered; returns the rest of the text to show. */
    public String finish() {
        if (finished) {
            return "";
        }
        finished = true;
        StringBuilder out = new StringBuilder();
        switch (mode) {
            case TEXT ->
                out.append(calls.isEmpty() ? pending : pending.toString().stripTrailing());
            case BLOCK -> {
                try { // a block cut off before its end marker (say by the token limit) is still a call if it parses
                    addCall(ToolCallJson.block(pending.toString()));
                } catch (RasdException e) {
                    notACall(out, callPrefix + pending, e);
                }
            }
            case TO_END -> {
                try {
                    ToolCallJson.Region region = ToolCallJson.region(format, pending.toString());
                    region.calls().forEach(this::addCall);
                    out.append(region.trailing().isBlank() ? "" : region.trailing());
                } catch (RasdException e) {
                    notACall(out, callPrefix + pending, e);
                }
            }
        }
        pending.setLength(0);
        return emit(out);
    }

    /** The whole answer read: its text and calls; complete after {@link #finish}. */
    public ModelReply reply() {
        return new ModelReply(text.toString(), calls);
    }

    /** One step of the state machine; false when it must wait for more text. */
    private boolean advance(StringBuilder out) {
        switch (mode) {
            case TEXT -> {
                return advanceText(out);
            }
            case BLOCK -> {
                int end = pending.indexOf(format.blockEnd(), scanned);
                if (end < 0) { // the next search starts where an end marker could still begin: linear in the block
                    scanned = Math.max(0, pending.length() - format.blockEnd().length() + 1);
                    return false;
                }
                scanned = 0;
                String body = pending.substring(0, end);
                String raw = callPrefix + body + format.blockEnd();
                pending.delete(0, end + format.blockEnd().length());
                mode = Mode.TEXT;
                try {
                    addCall(ToolCallJson.block(body));
                } catch (RasdException e) {
                    notACall(out, raw, e);
                }
                return true;
            }
            default -> {
                return false; // TO_END: everything waits for finish()
            }
        }
    }

    private boolean advanceText(StringBuilder out) {
        if (atStart && !format.openings().isEmpty()) {
            int start = ToolCallJson.skipWhitespace(pending, 0);
            if (start == pending.length()) {
                return false; // only whitespace so far
            }
            Opening o = opening(pending, start, format.openings());
            if (o == Opening.MAYBE) {
                return false;
            }
            atStart = false;
            if (o == Opening.YES) {
                callPrefix = pending.substring(0, start);
                pending.delete(0, start);
                mode = Mode.TO_END;
                return false;
            }
        }
        int at = -1;
        String marker = null;
        for (String m : format.markers()) {
            int i = pending.indexOf(m);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                marker = m;
            }
        }
        if (marker != null) {
            int textEnd = trimmedEnd(pending, at);
            out.append(pending, 0, textEnd);
            callPrefix = pending.substring(textEnd, at) + marker;
            pending.delete(0, at + marker.length());
            atStart = false;
            mode = format.blockEnd() != null ? Mode.BLOCK : Mode.TO_END;
            return true;
        }
        // show all but a tail that may still become a marker, and the whitespace before it (it goes with a call)
        int keep = pending.length() - longestMarkerPrefixSuffix(pending);
        int shown = trimmedEnd(pending, keep);
        out.append(pending, 0, shown);
        pending.delete(0, shown);
        return false;
    }

    private void addCall(ToolCall call) {
        calls.add(call.withId(ids.get()));
    }

    private void notACall(StringBuilder out, String raw, RasdException why) {
        String quoted = raw.length() > QUOTED_CHARS ? raw.substring(0, QUOTED_CHARS) + "..." : raw;
        LOG.warn(
                "A {} tool call in the model's answer did not parse ({}); it is returned as text: {}",
                format,
                why.getMessage(),
                quoted);
        out.append(raw);
    }

    private String emit(StringBuilder out) {
        text.append(out);
        return out.toString();
    }

    /** {@code end}, moved back over the whitespace before it. */
    private static int trimmedEnd(CharSequence s, int end) {
        int i = end;
        while (i > 0 && Character.isWhitespace(s.charAt(i - 1))) {
            i--;
        }
        return i;
    }

    /** The length of the longest suffix of {@code s} that is a proper prefix of one of the markers. */
    private int longestMarkerPrefixSuffix(CharSequence s) {
        int best = 0;
        for (String m : format.markers()) {
            for (int k = Math.min(m.length() - 1, s.length()); k > best; k--) {
                if (regionMatches(s, s.length() - k, m, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private static boolean regionMatches(CharSequence s, int from, String m, int length) {
        for (int j = 0; j < length; j++) {
            if (s.charAt(from + j) != m.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    private enum Opening {
        YES,
        MAYBE,
        NO
    }

    /** Whether {@code s} from {@code from} opens with one of the token sequences, whitespace allowed between. */
    private static Opening opening(CharSequence s, int from, List<List<String>> alternatives) {
        Opening best = Opening.NO;
        for (List<String> tokens : alternatives) {
            Opening o = openingWith(s, from, tokens);
            if (o == Opening.YES) {
                return o;
            }
            if (o == Opening.MAYBE) {
                best = o;
            }
        }
        return best;
    }

    private static Opening openingWith(CharSequence s, int from, List<String> tokens) {
        int i = from;
        for (String t : tokens) {
            i = ToolCallJson.skipWhitespace(s, i);
            for (int j = 0; j < t.length(); j++, i++) {
                if (i == s.length()) {
                    return Opening.MAYBE;
                }
                if (s.charAt(i) != t.charAt(j)) {
                    return Opening.NO;
                }
            }
        }
        return Opening.YES;
    }
}
