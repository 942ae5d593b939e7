package io.rasd.tree;

/** Where a proposed token came from. A fused tree node may have several. */
public enum Source {
    DRAFT, PLD, DATASTORE;

    final int bit() {
        return 1 << ordinal();
    }

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
