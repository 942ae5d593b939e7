/**
 * Micrometer meters for every generation of a rasd engine ({@link io.rasd.spring.metrics.RasdMetrics}), fed by the
 * engine's generation observers; see {@code docs/architecture.md} §8.
 */
package io.rasd.spring.metrics;
