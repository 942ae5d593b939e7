/**
 * Benchmark only: jlama as a peer engine on JDK 21+ ({@link io.rasd.peers.jlama.JlamaPeer}); see
 * {@code docs/architecture.md} §13.
 */
package io.rasd.peers.jlama;
