package io.rasd.engine;

import io.rasd.RasdException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Which proposal sources a generation uses. All modes share one loop and produce the same output. */
public enum DecodingMode {
    /** Plain autoregressive decoding: one target forward per token. */
    AR("ar", false, false, false),
    /** A small draft model grows a token tree (EAGLE-2-style dynamic expansion). */
    DRAFT("draft", true, false, false),
    /** Prompt lookup: continuations of the longest context suffix that occurred before. */
    PLD("pld", false, true, false),
    /** Token datastore: continuations of the longest context suffix found in the application's documents. */
    DATASTORE("datastore", false, false, true),
    /** RASD with prompt lookup as the retrieval source. */
    RASD_PLD("rasd-pld", true, true, false),
    /** RASD with the token datastore as the retrieval source. */
    RASD_DATASTORE("rasd-datastore", true, false, true),
    /** RASD: draft model plus both retrieval sources. */
    RASD("rasd", true, true, true);

    private final String cliName;
    private final boolean draft;
    private final boolean promptLookup;
    private final boolean datastore;

    DecodingMode(String cliName, boolean draft, boolean promptLookup, boolean datastore) {
        this.cliName = cliName;
        this.draft = draft;
        this.promptLookup = promptLookup;
        this.datastore = datastore;
    }

    public boolean usesDraft() {
        return draft;
    }

    public boolean usesPromptLookup() {
        return promptLookup;
    }

    public boolean usesDatastore() {
        return datastore;
    }

    public boolean speculates() {
        return draft || promptLookup || datastore;
    }

    /**
     * The fullest mode an engine with these proposers can run: rasd with every source it has, prompt lookup without a
     * drafter (the default mode of every adapter).
     */
    public static DecodingMode fullest(boolean drafter, boolean datastore) {
        if (drafter) {
            return datastore ? RASD : RASD_PLD;
        }
        return PLD;
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
