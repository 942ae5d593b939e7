/**
 * The decoding loop and step 6 of the pipeline, commit. {@link io.rasd.engine.RasdEngine} is the public entry
 * (builder, admission queue, observers, prefix cache); {@code Generation} runs one generation, a {@code step()} per
 * target forward (draft, retrieve in parallel, prune, fuse into a {@code StepProposal}, verify, commit).
 *
 * <ul>
 *   <li>Requests and results: {@link io.rasd.engine.GenerationRequest}, {@link io.rasd.engine.GenerationResult},
 *       {@link io.rasd.engine.GenerationStats}, {@link io.rasd.engine.GenerationListener},
 *       {@link io.rasd.engine.GenerationObserver}, {@link io.rasd.engine.Cancellation}.</li>
 *   <li>Knobs: {@link io.rasd.engine.SpeculationConfig}, {@code SpeculationOverrides} (per request),
 *       {@link io.rasd.engine.DecodingMode}.</li>
 *   <li>Adaptive control: {@code AdaptiveController}, {@link io.rasd.engine.VerifyCostCurve},
 *       {@link io.rasd.engine.CostCurveCache}.</li>
 *   <li>Around the loop: {@link io.rasd.engine.PrefixCache}, {@code AdmissionControl}, {@code StopStringFilter}.</li>
 * </ul>
 *
 * <p>See {@code docs/architecture.md} §3 (the step), §5 (modes and knobs), §7 (adaptive control), §8 (threads) and
 * §10 (prefix cache).
 */
package io.rasd.engine;
