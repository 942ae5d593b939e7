/**
 * Benchmark only: other inference engines ({@link io.rasd.peers.Peer}, found through
 * {@link io.rasd.peers.PeerProvider}) run beside rasd on the same checkpoints for {@code ./rasd bench --peers}; see
 * {@code docs/architecture.md} §13.
 */
package io.rasd.peers;
