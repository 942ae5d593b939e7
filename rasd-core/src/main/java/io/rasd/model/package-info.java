/**
 * The model runtime: HF Llama-family checkpoints on DJL's PyTorch engine. Every forward pass of the pipeline runs
 * here: the prefill, the draft model's tree expansion and the target's tree verification are the same
 * {@link io.rasd.model.CausalLm#forward} call under different {@link io.rasd.model.AttentionMask}s.
 *
 * <ul>
 *   <li>Loading: {@link io.rasd.model.Checkpoint} (single file or sharded), {@link io.rasd.model.SafeTensorsFile}
 *       (header validated before anything is mapped), {@link io.rasd.model.ModelConfig},
 *       {@link io.rasd.model.GenerationConfig}, {@link io.rasd.model.LoadOptions} with a
 *       {@link io.rasd.model.Precision} (f32, bf16 or f16 weights and KV cache); projections stored fused with norm
 *       weights folded in ({@code LlamaWeights}).</li>
 *   <li>The kernel module ({@code Kernels}): rasd's TorchScript module, one native call per forward pass and the
 *       only code that touches half-precision tensors; the same math in DJL ops ({@code Decoder}) is its tested
 *       reference and runs the EAGLE heads.</li>
 *   <li>Running: {@link io.rasd.model.CausalLm}, {@link io.rasd.model.KvCache} (preallocated, written in place,
 *       {@link io.rasd.model.KvCache#retain} keeps an accepted tree path), {@link io.rasd.model.KvSnapshot} (heap rows
 *       for the prefix cache), {@link io.rasd.model.Logits} and {@link io.rasd.model.TopK} (only ids and a few
 *       probabilities leave the device).</li>
 * </ul>
 *
 * <p>NDArray ownership follows three tiers (weights, one manager per KV cache, one per forward pass, freed by
 * {@link io.rasd.model.Logits#close()}): {@code docs/architecture.md} §9, which also records the measured CPU verify
 * cost and the runtime facts (offline DJL, bf16, read-only mappings).
 */
package io.rasd.model;
