/**
 * Benchmark only: converts HF Llama checkpoints to f32 GGUF for llama.cpp ({@link io.rasd.peers.gguf.GgufExporter});
 * see {@code docs/architecture.md} §13.
 */
package io.rasd.peers.gguf;
