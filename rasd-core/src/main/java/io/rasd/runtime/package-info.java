/**
 * What rasd sets up in the PyTorch runtime before DJL's engine starts: {@link io.rasd.runtime.TorchThreads} picks
 * PyTorch's intra-op and inter-op thread counts where the user has not (see {@code docs/architecture.md} §8).
 */
package io.rasd.runtime;
