package io.rasd.constrain;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GrammarTest {

    static final Grammar JSON = Grammar.jsonObject();

    @Test
    void jsonModeAcceptsObjectsOfEveryJsonType() {
        assertThat(JSON.matches("{}")).isTrue();
        assertThat(JSON.matches(" \n{ \"a\" : [1, -2.5e+3, 0, true, false, null, \"x\", {}, []] }"))
                .isTrue();
        assertThat(JSON.matches("{\"k\":{\"n\":{\"m\":[[[]]]}},\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}"))
                .isTrue();
        assertThat(JSON.matches("{\"é🙂\":\"中文\"}")).isTrue();
    }

    @Test
    void jsonModeRefusesWhatIsNotOneJsonObject() {
        assertThat(JSON.matches("[]")).isFalse(); // not an object
        assertThat(JSON.matches("\"a\"")).isFalse();
        assertThat(JSON.matches("{")).isFalse(); // incomplete
        assertThat(JSON.matches("{} ")).isFalse(); // nothing after the document, not even whitespace
        assertThat(JSON.matches("{}{}")).isFalse();
        assertThat(JSON.matches("{\"a\":01}")).isFalse(); // leading zero
        assertThat(JSON.matches("{\"a\":1.}")).isFalse();
        assertThat(JSON.matches("{\"a\":.5}")).isFalse();
        assertThat(JSON.matches("{\"a\":1,}")).isFalse(); // trailing comma
        assertThat(JSON.matches("{\"a\"}")).isFalse();
        assertThat(JSON.matches("{a:1}")).isFalse();
        assertThat(JSON.matches("{\"a\":tru}")).isFalse();
        assertThat(JSON.matches("{\"a\":\"\n\"}")).isFalse(); // control characters must be escaped
        assertThat(JSON.matches("{\"a\":\"\\x\"}")).isFalse();
        assertThat(JSON.matches("{\"a\":\"\\u12g4\"}")).isFalse();
    }

    @Test
    void stringsAreCheckedAsUtf8ByteByByte() {
        MatchState s = JSON.start().advance("{\"");
        assertThat(s.advance(new byte[] {(byte) 0xC3})).as("first byte of é").isNotNull();
        assertThat(s.advance(new byte[] {(byte) 0xC3, (byte) 0xA9, '"'})).isNotNull();
        assertThat(s.advance(new byte[] {(byte) 0xC3, '"'}))
                .as("a character cut short")
                .isNull();
        assertThat(s.advance(new byte[] {(byte) 0xA9}))
                .as("a lone continuation byte")
                .isNull();
        assertThat(s.advance(new byte[] {(byte) 0xC0, (byte) 0x80}))
                .as("overlong")
                .isNull();
        assertThat(s.advance(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}))
                .as("a surrogate")
                .isNull();
        assertThat(s.advance(new byte[] {(byte) 0xF4, (byte) 0x90}))
                .as("above U+10FFFF")
                .isNull();
        byte[] emoji = "🙂".getBytes(StandardCharsets.UTF_8);
        MatchState mid = s;
        for (byte b : emoji) {
            assertThat(mid.accepting()).isFalse();
            mid = mid.advance(b & 0xFF);
            assertThat(mid).isNotNull();
        }
        assertThat(mid.advance("\":1}").accepting()).isTrue();
    }

    @Test
    void aClosedDocumentIsAFinalStateAndOpenNumbersMayGoOn() {
        MatchState done = JSON.start().advance("{\"a\":1}");
        assertThat(done.accepting()).isTrue();
        for (int b = 0; b < 256; b++) {
            assertThat(done.advance(b)).as("byte %d after the document", b).isNull();
        }
        Grammar number = Grammar.jsonSchema("{\"type\":\"number\"}");
        MatchState twelve = number.start().advance("12");
        assertThat(twelve.accepting()).isTrue();
        assertThat(twelve.advance('3')).isNotNull();
        assertThat(twelve.advance('.')).isNotNull();
        assertThat(twelve.advance(' ')).isNull();
    }

    @Test
    void whitespaceRunsAreBoundedSoAModelCannotStallOnThem() {
        String run = " ".repeat(Frame.MAX_WHITESPACE);
        assertThat(JSON.matches(run + "{" + run + "\"a\"" + run + ":" + run + "[" + run + "1" + run + "]" + run + "}"))
                .isTrue();
        assertThat(JSON.start().advance(run + " ")).isNull();
        assertThat(JSON.start().advance("{\"a\":[" + run + "\n")).isNull();
    }

    @Test
    void statesThatAcceptTheSameContinuationsAreEqual() {
        // the allowed-token cache is keyed by state: string content must not make every state new
        MatchState a = JSON.start().advance("{\"key\":\"abc");
        MatchState b = JSON.start().advance("{\"key\":\"xyzzy");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(JSON.start().advance("{\"a\":1")).isNotEqualTo(JSON.start().advance("{\"a\":\"1"));
    }

    @Test
    void everyPrefixOfARandomJsonObjectIsLiveAndOnlyTheWholeIsAccepted() {
        Fuzz.forAll(500, rnd -> "{" + members(rnd, 3) + "}", doc -> {
            byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
            MatchState s = JSON.start();
            for (int i = 0; i < bytes.length; i++) {
                assertThat(s.accepting()).as("prefix of %s", doc).isFalse();
                s = s.advance(bytes[i] & 0xFF);
                assertThat(s).as("byte %d of %s", i, doc).isNotNull();
            }
            assertThat(s.accepting()).as(doc).isTrue();
        });
    }

    static String members(SplittableRandom rnd, int depth) {
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : rnd.nextBoolean() ? "," : " ,\n ")
                    .append(JsonText.quote(text(rnd)))
                    .append(rnd.nextBoolean() ? ":" : " : ")
                    .append(value(rnd, depth));
        }
        return sb.toString();
    }

    static String value(SplittableRandom rnd, int depth) {
        int kind = rnd.nextInt(depth > 0 ? 8 : 6);
        return switch (kind) {
            case 0 -> JsonText.quote(text(rnd));
            case 1 -> Long.toString(rnd.nextLong(-100000, 100000));
            case 2 -> Double.toString(rnd.nextDouble(-1e6, 1e6)).replace("E", rnd.nextBoolean() ? "e" : "E");
            case 3 -> rnd.nextBoolean() ? "true" : "false";
            case 4 -> "null";
            case 5 -> "0";
            case 6 -> "{" + members(rnd, depth - 1) + "}";
            default -> {
                StringBuilder sb = new StringBuilder("[");
                int n = rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ", ").append(value(rnd, depth - 1));
                }
                yield sb.append(']').toString();
            }
        };
    }

    /** Text with ASCII, escapes, 2-, 3- and 4-byte characters. */
    static String text(SplittableRandom rnd) {
        String[] parts = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u0001", "é", "ß", "中", "€", "🙂", "𝄞", "7"};
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(6);
        for (int i = 0; i < n; i++) {
            sb.append(parts[rnd.nextInt(parts.length)]);
        }
        return sb.toString();
    }
}
