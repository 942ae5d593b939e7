package io.rasd.model;

/**
 * The {@code k} best token ids of one logits row, best first, with their values: raw logits from
 * {@link Logits#topK}, probabilities from {@link Logits#topKProbabilities}.
 */
public record TopK(int[] ids, float[] values) {}
