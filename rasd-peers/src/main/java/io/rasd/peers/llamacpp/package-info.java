/**
 * Benchmark only: llama.cpp (through de.kherud:llama) as a peer engine ({@link io.rasd.peers.llamacpp.LlamaCppPeer});
 * see {@code docs/architecture.md} §13.
 */
package io.rasd.peers.llamacpp;
