/**
 * The {@code ./rasd} command ({@link io.rasd.cli.Main}): generate, compare, logits, cost, demo, bench, datastore,
 * random-model; see {@code docs/architecture.md} §4 and §13.
 */
package io.rasd.cli;
