package io.rasd.constrain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenVocabularyTest {

    static final int EOS = 0;
    /** A hand-built byte-level vocabulary: id -> bytes (null: special). Two halves of é are tokens of their own. */
    static final byte[][] BYTES = {
        null, // 0: EOS
        b("{"), // 1
        b("}"), // 2
        b("\""), // 3
        b("a"), // 4
        b("\"a\""), // 5
        b(":"), // 6
        b(" "), // 7
        new byte[] {(byte) 0xC3}, // 8: first byte of é
        new byte[] {(byte) 0xA9}, // 9: its second
        b("é"), // 10
        b("1"), // 11
        b("12"), // 12
        b("{\""), // 13
        b("\"}"), // 14
        b("\":"), // 15
        new byte[] {(byte) 0xA9, '"'}, // 16: the end of é and the closing quote
        b(""), // 17: empty: never allowed
    };

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static TokenConstraint constraint(Grammar g) {
        return new TokenConstraint(g, new TokenVocabulary(BYTES, new int[] {EOS}));
    }

    static int[] allowedAfter(TokenConstraint c, String text) {
        return c.allowed(c.start().advance(text)).ids();
    }

    @Test
    void theMaskHoldsExactlyTheTokensWhoseBytesTheGrammarAccepts() {
        TokenConstraint c = constraint(Grammar.jsonObject());
        assertThat(c.allowed(c.start()).ids()).containsExactly(1, 7, 13); // '{', ' ', '{"'
        assertThat(allowedAfter(c, "{")).containsExactly(2, 3, 5, 7, 14, 15); // a key may start with } or :
    }

    @Test
    void tokensThatSplitAUtf8CharacterAreAllowedOnlyWhereTheCharacterCanGoOn() {
        TokenConstraint c = constraint(Grammar.jsonObject());
        MatchState inString = c.start().advance("{\"");
        AllowedTokens a = c.allowed(inString);
        assertThat(a.allows(8)).as("first half of é").isTrue();
        assertThat(a.allows(9))
                .as("a continuation byte cannot start a character")
                .isFalse();
        assertThat(a.allows(16)).isFalse();
        MatchState half = c.next(inString, 8);
        assertThat(c.allowed(half).ids()).containsExactly(9, 16); // only what completes the character
        assertThat(c.next(c.next(inString, 8), 16)).isEqualTo(c.next(c.next(inString, 10), 3));
    }

    @Test
    void endOfSequenceIsAllowedOnlyInACompleteDocumentAndACompleteObjectIsFinal() {
        TokenConstraint c = constraint(Grammar.jsonObject());
        assertThat(c.allowed(c.start().advance("{\"a\":1")).allows(EOS)).isFalse();
        AllowedTokens done = c.allowed(c.start().advance("{\"a\":1}"));
        assertThat(done.ids()).containsExactly(EOS);
        assertThat(done.complete()).isTrue();
        TokenConstraint number = constraint(Grammar.jsonSchema("{\"type\":\"integer\"}"));
        AllowedTokens one = number.allowed(number.start().advance("1"));
        assertThat(one.ids()).containsExactly(EOS, 11, 12); // may end, or go on
        assertThat(one.accepting()).isTrue();
        assertThat(one.complete()).isFalse();
    }

    @Test
    void allowsAgreesWithTheMaskEverywhere() {
        TokenConstraint c =
                constraint(Grammar.jsonSchema("{\"properties\":{\"a\":{\"enum\":[1,12,\"é\"]}},\"required\":[\"a\"]}"));
        for (String prefix :
                new String[] {"", "{", "{\"", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":\"", "{\"a\":12}"}) {
            MatchState s = c.start().advance(prefix);
            assertThat(s).as(prefix).isNotNull();
            AllowedTokens mask = c.allowed(s);
            for (int id = 0; id < BYTES.length; id++) {
                assertThat(c.allows(s, id)).as("token %d after %s", id, prefix).isEqualTo(mask.allows(id));
            }
        }
    }

    @Test
    void stringLengthsFarFromTheLimitShareOneCachedMaskThatIsStillExact() {
        TokenConstraint c = constraint(Grammar.jsonSchema("{\"type\":\"string\",\"minLength\":2,\"maxLength\":12}"));
        MatchState s = c.start().advance("\"");
        for (int length = 0; length <= 12; length++) {
            assertThat(c.allowed(s).ids())
                    .as("length %d", length)
                    .containsExactly(c.vocabulary().allowed(s).ids());
            s = s.advance('a');
        }
    }

    @Test
    void specialAndEmptyTokensAreNeverWritten() {
        TokenConstraint c = constraint(Grammar.jsonSchema("{\"type\":\"string\"}"));
        MatchState inString = c.start().advance("\"");
        assertThat(c.allowed(inString).allows(17)).isFalse();
        assertThat(c.allowed(inString).allows(EOS)).isFalse();
        assertThat(c.vocabulary().bytes(0)).isNull();
    }
}
