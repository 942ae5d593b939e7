package io.rasd.text.tools;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids for the tool calls a model writes (models write none): 9 letters and digits, the one shape every template
 * accepts back (Mistral's templates raise an error for any other), unique enough within a conversation.
 */
public final class ToolCallIds {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static final int LENGTH = 9;

    private ToolCallIds() {}

    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] id = new char[LENGTH];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
        }
        return new String(id);
    }
}
