package io.rasd.engine;

import io.rasd.RasdException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Which proposal sources a generation uses. All modes share one loop and produce the same output. */
public enum DecodingMode {
    /** Plain autoregressive decoding: one target forward per token. */
    AR("ar"),
    /** Prompt lookup: continuations of the longest context suffix that occurred before. */
    PLD("pld"),
    /** Token datastore: continuations of the longest context suffix found in the application's documents. */
    DATASTORE("datastore");

    private final String cliName;

    DecodingMode(String cliName) {
        this.cliName = cliName;
    }

    public boolean usesPromptLookup() {
        return this == PLD;
    }

    public boolean usesDatastore() {
        return this == DATASTORE;
    }

    public String cliName() {
        return cliName;
    }

    public static DecodingMode parse(String s) {
        for (DecodingMode m : values()) {
            if (m.cliName.equals(s)) {
                return m;
            }
        }
        throw new RasdException("mode \"" + s + "\" is not supported; expected one of "
                + Arrays.stream(values()).map(DecodingMode::cliName).collect(Collectors.joining(", ")));
    }
}
