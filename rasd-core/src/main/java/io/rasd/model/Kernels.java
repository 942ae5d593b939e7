package io.rasd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.rasd.RasdException;
import java.io.IOException;
import java.io.InputStream;

/**
 * rasd's TorchScript kernel module ({@code rasd-kernels.pt}, scripted from {@code tools/kernels/rasd_kernels.py}),
 * loaded once per process through DJL. It does what DJL's own API cannot: hold weights and KV caches in bf16 or f16
 * (a bf16 NDArray op aborts the JVM in DJL 0.36), and run a whole forward pass in one native call instead of ~285
 * (each DJL op costs ~6 µs of JNI, dispatch and allocation, about half of a small model's step).
 *
 * <p>Arrays of a half dtype come back as opaque {@link PtNDArray}s ({@code getDataType()} says unknown): DJL passes
 * them back into the module untouched, and only the module reads them. Every result attaches to the manager given.
 * Thread-safe: TorchScript methods run concurrently.
 */
final class Kernels {

    private static final String RESOURCE = "rasd-kernels.pt";
    private static final int VERSION = 7;

    private final PtSymbolBlock module;

    private Kernels(PtSymbolBlock module) {
        this.module = module;
    }

    /** The process-wide module, loaded on first use. */
    static Kernels get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final Kernels INSTANCE = load();
    }

    private static Kernels load() {
        // the module holds no tensors: its manager lives as long as the process
        PtNDManager manager = (PtNDManager) DeviceTensors.newManager(DeviceTensors.host());
        try (InputStream in = Kernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new RasdException("rasd-core's kernel module " + RESOURCE + " is missing from the classpath");
            }
            PtSymbolBlock block = JniUtils.loadModule(manager, in, false, false);
            Kernels k = new Kernels(block);
            long version;
            try (IValue v = k.call("version")) {
                version = v.toLong();
            }
            if (version != VERSION) {
                throw new RasdException("rasd-core's kernel module " + RESOURCE + " is version " + version + ", this"
                        + " code expects " + VERSION + ": regenerate it with tools/kernels/make-kernels");
            }
            return k;
        } catch (IOException e) {
            throw new RasdException("Cannot load rasd-core's kernel module " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** The module's code for a dtype. */
    private static long code(Precision p) {
        return switch (p) {
            case F32 -> 0;
            case BF16 -> 1;
            case F16 -> 2;
            case AUTO -> throw new IllegalArgumentException("resolve AUTO first");
        };
    }

    /** {@code x} converted to {@code p}, in {@code owner}. */
    NDArray cast(NDArray x, Precision p, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "cast", a.of(x), a.of(code(p)));
        }
    }

    /** A projection prepared as f32 {@code Wᵀ [in, out]} as {@code W [out, in]} of half type {@code p}. */
    NDArray halfProjection(NDArray wT, Precision p, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "half_projection", a.of(wT), a.of(code(p)));
        }
    }

    /**
     * A projection prepared as f32 {@code Wᵀ [in, out]} as bf16 {@code W} packed once into oneDNN's blocked layout (CPU
     * only): an opaque tensor that only the module's matmuls read, without the reorder of the whole matrix an unpacked
     * bf16 matmul makes on every call. Each row comes out bitwise the same whatever else is in the batch (what
     * lossless speculation needs); against the unpacked matmul it may differ in the last bits.
     */
    NDArray packedProjection(NDArray wT, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "packed_projection", a.of(wT), a.of(code(Precision.BF16)));
        }
    }

    /** A bf16 {@code W [out, in]} (a tied head: the bf16 embedding) packed as {@link #packedProjection} packs. */
    NDArray packed(NDArray w, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "packed", a.of(w));
        }
    }

    /** Zeros of {@code shape} in {@code p}, on the device of {@code like}. */
    NDArray zeros(Shape shape, Precision p, NDArray like, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "zeros", a.of(shape.getShape()), a.of(code(p)), a.of(like));
        }
    }

    /** {@code x [n, in]} (f32) through a projection of either layout: f32 {@code Wᵀ} or half {@code W}. */
    NDArray project(NDArray x, NDArray w, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "project", a.of(x), a.of(w));
        }
    }

    /** Rows {@code tokens} (int64) of an embedding of any dtype, as f32. */
    NDArray embedRows(NDArray embed, NDArray tokens, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "embed_rows", a.of(embed), a.of(tokens));
        }
    }

    /**
     * The {@code k} most likely ids of every row of {@code logits} with their softmax probabilities, best first, as
     * {@code [rows, 2k]} f32: k probabilities, then the k ids as floats.
     */
    NDArray topKProbabilities(NDArray logits, long k, NDManager owner) {
        try (Args a = new Args()) {
            return tensor(owner, "top_k_probabilities", a.of(logits), a.of(k));
        }
    }

    /** Runs {@code method} whose result is a list of tensors, attached to {@code owner}. */
    NDArray[] tensors(NDManager owner, String method, IValue... args) {
        try (IValue r = call(method, args)) {
            return r.toTensorArray((PtNDManager) owner);
        }
    }

    private NDArray tensor(NDManager owner, String method, IValue... args) {
        try (IValue r = call(method, args)) {
            return r.toTensor((PtNDManager) owner);
        }
    }

    /**
     * TorchScript's profiling graph executor specialises a method to the shapes it has seen and re-profiles when they
     * change; a forward's shapes change every call (tokens, cache rows), so it only costs. Measured on the demo
     * target, one thread: a decoding step 8.5 ms with it, 4.5 ms without. The switch is per thread in libtorch (DJL
     * sets it only on the thread that starts the engine, from {@code ai.djl.pytorch.graph_optimizer}): off on every
     * thread that calls the module, before its first call.
     */
    private static final ThreadLocal<Boolean> PLAIN_EXECUTOR = ThreadLocal.withInitial(() -> {
        JniUtils.setGraphExecutorOptimize(false);
        return Boolean.TRUE;
    });

    private IValue call(String method, IValue... args) {
        PLAIN_EXECUTOR.get();
        return IValueUtils.runMethod(module, method, args);
    }

    static PtNDArray pt(NDArray x) {
        return (PtNDArray) x;
    }

    static PtNDArray[] pt(NDArray... xs) {
        PtNDArray[] p = new PtNDArray[xs.length];
        for (int i = 0; i < xs.length; i++) {
            p[i] = (PtNDArray) xs[i];
        }
        return p;
    }

    /**
     * The arguments of one call, closed together after it (an IValue holds a reference to its tensors, nothing more: a
     * model's long-lived weight list is built once and passed beside these).
     */
    static final class Args implements AutoCloseable {

        private final java.util.List<IValue> made = new java.util.ArrayList<>();
        /** The device of this call's first tensor operand: every other must be on it (checked in tests). */
        private NDArray first;

        IValue of(NDArray x) {
            sameDevice(x);
            return keep(IValue.from((PtNDArray) x));
        }

        IValue of(long v) {
            return keep(IValue.from(v));
        }

        IValue of(double v) {
            return keep(IValue.from(v));
        }

        IValue of(long... v) {
            return keep(IValue.listFrom(v));
        }

        IValue list(NDArray... xs) {
            for (NDArray x : xs) {
                sameDevice(x);
            }
            return keep(IValue.listFrom(pt(xs)));
        }

        private void sameDevice(NDArray x) {
            if (!DeviceTensors.CHECK_DEVICES) {
                return;
            }
            if (first == null) {
                first = x;
            } else {
                DeviceTensors.requireOneDevice("a kernel call", first, x);
            }
        }

        private IValue keep(IValue v) {
            made.add(v);
            return v;
        }

        @Override
        public void close() {
            for (IValue v : made) {
                v.close();
            }
            made.clear();
        }
    }
}
