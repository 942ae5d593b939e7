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
}
