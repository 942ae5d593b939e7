package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringFilterTest {

    private static String feed(StopStringFilter f, String... deltas) {
        StringBuilder shown = new StringBuilder();
        for (String d : deltas) {
            shown.append(f.accept(d));
        }
        if (!f.stopped()) {
            shown.append(f.finish());
        }
        return shown.toString();
    }

    @Test
    void stopStringSplitAcrossDeltasIsNeverShown() {
        StopStringFilter f = new StopStringFilter(List.of("</end>"));
        assertThat(f.accept("hello </")).isEqualTo("hello ");
        assertThat(f.accept("en")).isEmpty();
        assertThat(f.accept("d> tail")).isEmpty();
        assertThat(f.stopped()).isTrue();
        assertThat(f.text()).isEqualTo("hello ");
    }

    @Test
    void heldBackTextIsReleasedWhenItCannotBecomeAStopString() {
        StopStringFilter f = new StopStringFilter(List.of("STOP"));
        assertThat(feed(f, "ab", "S", "T", "x", "yz")).isEqualTo("abSTxyz");
        assertThat(f.stopped()).isFalse();
    }

    @Test
    void earliestOfSeveralStopStringsWins() {
        StopStringFilter f = new StopStringFilter(List.of("world", "lo w"));
        assertThat(feed(f, "hello world")).isEqualTo("hel");
        assertThat(f.text()).isEqualTo("hel");
    }

    @Test
    void withoutStopStringsEverythingPassesImmediately() {
        StopStringFilter f = new StopStringFilter(List.of());
        assertThat(f.accept("abc")).isEqualTo("abc");
        assertThat(f.finish()).isEmpty();
    }

    @Test
    void onlyWhatCouldStillBecomeAStopStringIsHeldBack() {
        StopStringFilter f = new StopStringFilter(List.of("<|end|>", "###"));
        assertThat(f.accept("a <|en")).isEqualTo("a ");
        assertThat(f.accept("x #")).isEqualTo("<|enx ");
        assertThat(f.accept("#")).isEmpty();
        assertThat(f.accept("!")).isEqualTo("##!");
        assertThat(f.stopped()).isFalse();
    }

    /** The reference: the text cut where the first occurrence of any stop string ends, before its start. */
    private static String cutAtFirstCompleted(String text, List<String> stops) {
        for (int end = 1; end <= text.length(); end++) {
            int cut = -1;
            for (String s : stops) {
                if (end >= s.length() && text.startsWith(s, end - s.length())) {
                    cut = cut < 0 ? end - s.length() : Math.min(cut, end - s.length());
                }
            }
            if (cut >= 0) {
                return text.substring(0, cut);
            }
        }
        return text;
    }

    @Test
    void theCutDoesNotDependOnHowTheTextIsSplitIntoDeltas() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            int len = rnd.nextInt(40);
            for (int i = 0; i < len; i++) {
                text.append((char) ('a' + rnd.nextInt(3)));
            }
            List<String> stops = new java.util.ArrayList<>();
            for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
                StringBuilder stop = new StringBuilder();
                for (int j = 1 + rnd.nextInt(5); j > 0; j--) {
                    stop.append((char) ('a' + rnd.nextInt(3)));
                }
                stops.add(stop.toString());
            }
            String expected = cutAtFirstCompleted(text.toString(), stops);
            StopStringFilter f = new StopStringFilter(stops);
            StringBuilder shown = new StringBuilder();
            for (int at = 0; at < text.length(); ) {
                int next = Math.min(text.length(), at + 1 + rnd.nextInt(6));
                String out = f.accept(text.substring(at, next));
                shown.append(out);
                at = next;
                // what is shown is always a prefix of the final text
                assertThat(expected).as("text %s stops %s", text, stops).startsWith(shown.toString());
            }
            if (!f.stopped()) {
                shown.append(f.finish());
            }
            assertThat(shown.toString()).as("text %s stops %s", text, stops).isEqualTo(expected);
            assertThat(f.text()).isEqualTo(expected);
            assertThat(f.stopped()).isEqualTo(expected.length() < text.length());
        }
    }

    @Test
    void longStopStringsCostLinearTimeAndHoldBackOnlyTheirPartialMatch() {
        // worst cases for naive matching: the text keeps almost matching, or its end keeps resembling a long
        // stretch of the stop string that is not its beginning
        int n = GenerationRequest.MAX_STOP_STRING_CHARS;
        List<String> stops = new java.util.ArrayList<>();
        for (int i = 0; i < GenerationRequest.MAX_STOP_STRINGS; i++) {
            char c = (char) ('b' + i);
            stops.add(i % 2 == 0 ? "a".repeat(n - 1 - i) + c : c + "a".repeat(n - 1));
        }
        StopStringFilter f = new StopStringFilter(stops);
        long t0 = System.nanoTime();
        int shown = 0;
        for (int i = 0; i < 200_000; i++) {
            shown += f.accept("a").length();
            assertThat(i + 1 - shown).as("held back after %d chars", i + 1).isLessThanOrEqualTo(n - 1);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // 200k one-char deltas x 16 stop strings of 1000 chars: linear matching takes well under a second; the
        // suffix search it replaced copied every candidate suffix (0.9 ms a delta here, 3 minutes in all)
        assertThat(seconds).as("seconds for 200k deltas").isLessThan(10);
        assertThat(f.accept("x")).isEqualTo("a".repeat(n - 1) + "x"); // can no longer become a stop string
        assertThat(f.accept("a".repeat(n - 1))).isEmpty();
        assertThat(f.accept("b tail")).isEmpty();
        assertThat(f.stopped()).isTrue();
        assertThat(f.text()).hasSize(200_001);
    }
}
