package io.rasd.model;

/** The {@code k} best token ids of one logits row, best first, with their raw logits. */
public record TopK(int[] ids, float[] logits) { }
