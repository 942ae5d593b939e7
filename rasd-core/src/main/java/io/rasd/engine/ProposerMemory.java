package io.rasd.engine;

import java.util.EnumMap;
import java.util.Map;

/**
 * What adaptive control learnt about each proposer's worth, kept by the engine from one generation to the next of the
 * same mode. Judging a proposer takes several steps (six before the first verdict, then probes), and a generation of
 * a hundred tokens is only a few dozen steps: starting every request from nothing would spend much of it drafting with
 * a draft model known not to pay beside retrieval. A new generation resumes the last verdict, half-forgotten, with a
 * bench of at most 64 steps, so a change of workload is noticed within a generation or two.
 *
 * <p>Keyed by mode only: an engine has one drafter and one datastore. Thread-safe; generations running at the same
 * time each take a copy and the last to finish writes back.
 */
final class ProposerMemory {

    private final Map<DecodingMode, AdaptiveController.Bench[]> byMode = new EnumMap<>(DecodingMode.class);

    /** Lays what the last generation of {@code mode} left over {@code into} (by TokenOrigin ordinal); none: no change. */
    synchronized void restore(DecodingMode mode, AdaptiveController.Bench[] into) {
        AdaptiveController.Bench[] saved = byMode.get(mode);
        if (saved == null) {
            return;
        }
        for (int i = 0; i < into.length; i++) {
            into[i].resumeFrom(saved[i]);
        }
    }

    synchronized void store(DecodingMode mode, AdaptiveController.Bench[] benches) {
        AdaptiveController.Bench[] copy = new AdaptiveController.Bench[benches.length];
        for (int i = 0; i < benches.length; i++) {
            copy[i] = benches[i].copy();
        }
        byMode.put(mode, copy);
    }
}
