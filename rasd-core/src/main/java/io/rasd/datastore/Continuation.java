package io.rasd.datastore;

/** A retrieved continuation and how many occurrences in the datastore were followed by it. */
public record Continuation(int[] tokens, int count) {}
