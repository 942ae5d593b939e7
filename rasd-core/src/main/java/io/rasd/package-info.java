/**
 * rasd: Retrieval-Augmented Speculative Decoding (RASD, Quan et al., Findings of ACL 2025) for HF Llama-family models
 * on the JVM. This package holds only {@link io.rasd.RasdException}, the one unchecked exception for bad input; the
 * pipeline lives in the sub-packages, in order {@code model}, {@code text}, {@code datastore}, {@code draft},
 * {@code retrieval}, {@code tree}, {@code verify} and {@code engine}.
 *
 * <p>Architecture: {@code docs/architecture.md} in the repository; §1 the pipeline, §2 paper step to class, §4 the
 * packages.
 */
package io.rasd;
