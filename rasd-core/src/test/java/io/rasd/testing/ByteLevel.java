package io.rasd.testing;

/** GPT-2's byte-to-character table, which byte-level BPE vocabularies (the fixtures' tokenizer) spell bytes with. */
public final class ByteLevel {

    private ByteLevel() {}

    /** The character that stands for byte {@code b} (0-255) in a byte-level vocabulary. */
    public static String charOf(int b) {
        if (printable(b)) {
            return String.valueOf((char) b);
        }
        int n = 0;
        for (int i = 0; i < b; i++) {
            n += printable(i) ? 0 : 1;
        }
        return String.valueOf((char) (256 + n));
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }
}
