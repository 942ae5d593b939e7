package io.rasd.engine;

import java.util.EnumMap;
import java.util.Map;

/**
 * What adaptive control learnt about each proposer's worth, and about speculation as a whole, kept by the engine from
 * one generation to the next of the same mode. Judging takes several steps (six before the first verdict, then
 * probes), and a generation of a hundred tokens is only a few dozen steps: starting every request from nothing would
 * spend much of it drafting with a draft model known not to pay beside retrieval, or, in a mode with the drafter alone,
 * drafting with one known not to pay at all (a weak EAGLE head: drafting, in judging steps, probes and their
 * catch-ups, took 15% of the decode time of the bench's 128-token answers). A new generation resumes the last verdicts, half-forgotten: a proposer's with its bench
 * (at most 64 steps), speculation's judged after two steps but without a bench at the start (the proposers left may
 * pay on this prompt), so a change of workload is noticed within a generation or two.
 *
 * <p>Keyed by mode only: an engine has one drafter and one datastore. Thread-safe; generations running at the same
 * time each take a copy and the last to finish writes back.
 */
final class ProposerMemory {

    private final Map<DecodingMode, AdaptiveController.Bench[]> byMode = new EnumMap<>(DecodingMode.class);

    /**
     * Lays what the last generation of {@code mode} left over {@code proposers} (by TokenOrigin ordinal) and over
     * {@code speculation} (the fallback to plain decoding); none: no change.
     */
    synchronized void restore(
            DecodingMode mode, AdaptiveController.Bench[] proposers, AdaptiveController.Bench speculation) {
        AdaptiveController.Bench[] saved = byMode.get(mode);
        if (saved == null) {
            return;
        }
        for (int i = 0; i < proposers.length; i++) {
            proposers[i].resumeFrom(saved[i]);
        }
        speculation.resumeJudgementFrom(saved[proposers.length]);
    }

    synchronized void store(
            DecodingMode mode, AdaptiveController.Bench[] proposers, AdaptiveController.Bench speculation) {
        AdaptiveController.Bench[] copy = new AdaptiveController.Bench[proposers.length + 1];
        for (int i = 0; i < proposers.length; i++) {
            copy[i] = proposers[i].copy();
        }
        copy[proposers.length] = speculation.copy();
        byMode.put(mode, copy);
    }
}
