package io.rasd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rasd.RasdException;
import java.util.List;

/**
 * Keys and values of one sequence, per layer {@code [kvHeads, capacity, headDim]}, preallocated and written in place
 * so a decoding step costs no copy of the context. Grows by doubling up to the model's context limit. Lives in its own
 * manager (the middle of the three tiers): replaced arrays are closed, so the count of live arrays stays constant.
 *
 * <p>A cache position is a row of this cache, not a token position: a token tree puts sibling nodes in consecutive
 * rows with the same RoPE position. {@link #retain} compacts the rows of an accepted path to the front.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int limit;
    private final NDArray[] keys;
    private final NDArray[] values;
    /** The element type of the rows: f32, or a half type held through the kernel module (opaque to DJL). */
    private final Precision precision;

    private int capacity;
    private int length;

    KvCache(NDManager parent, ModelConfig config, int limit, int initialCapacity) {
        this(parent, config, limit, initialCapacity, Precision.F32);
    }

    KvCache(NDManager parent, ModelConfig config, int limit, int initialCapacity, Precision precision) {
        this.manager = parent.newSubManager();
        this.precision = precision;
        this.layers = config.numLayers();
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.limit = limit;
        this.capacity = Math.max(1, Math.min(initialCapacity, limit));
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = zeros(capacity);
            values[l] = zeros(capacity);
        }
    }

    private NDArray zeros(int rows) {
        Shape shape = new Shape(kvHeads, rows, headDim);
        NDArray f32 = manager.zeros(precision.isHalf() ? new Shape(0) : shape, DataType.FLOAT32);
        if (!precision.isHalf()) {
            return f32;
        }
        NDArray inference = Kernels.get().zeros(shape, precision, f32, manager);
        f32.close();
        // made inside the module's inference mode, which forbids the in-place row writes of retain and restore
        // outside it: a clone made outside is an ordinary tensor
        NDArray half = inference.duplicate();
        inference.close();
        return half;
    }

    /** The element type of the rows. */
    public Precision precision() {
        return precision;
    }

    /** Rows in use. */
    public int length() {
        return length;
    }

    /** Rows allocated now. */
    public int capacity() {
        return capacity;
    }

    /** Most rows this cache may ever hold (the model's context limit). */
    public int limit() {
        return limit;
    }

    /** Forgets rows from {@code newLength} on. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new RasdException("KV cache truncate(" + newLength + ") outside [0, " + length + "]");
        }
        length = newLength;
    }

    /**
     * Keeps rows {@code [0, from)} and then the rows {@code keep} (ascending, each >= from), moved to
     * {@code from, from+1, ...}; everything else is dropped. This is how an accepted tree path becomes context.
     */
    public void retain(int from, int[] keep) {
        if (from < 0 || from > length) {
            throw new RasdException("KV cache retain: from " + from + " outside [0, " + length + "]");
        }
        int prev = from - 1;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] <= prev || keep[i] >= length) {
                throw new RasdException("KV cache retain: rows must ascend within [" + from + ", " + length + "), got "
                        + java.util.Arrays.toString(keep));
            }
            prev = keep[i];
        }
        // rows already in place (a prefix of the accepted path laid out first) need no copy
        int inPlace = 0;
        while (inPlace < keep.length && keep[inPlace] == from + inPlace) {
            inPlace++;
        }
        if (inPlace < keep.length) {
            try (NDManager sm = manager.newSubManager()) {
                long[] rows = new long[keep.length - inPlace];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = keep[inPlace + i];
                }
                NDArray idx = DeviceTensors.upload(sm, rows);
                long[] at = {0, from + inPlace, 0};
                long[] to = {kvHeads, from + keep.length, headDim};
                for (int l = 0; l < layers; l++) {
                    Torch.copyInto(keys[l], at, to, keys[l].get(sm, new NDIndex(":, {}, :", idx)));
                    Torch.copyInto(values[l], at, to, values[l].get(sm, new NDIndex(":, {}, :", idx)));
                }
            }
        }
        length = from + keep.length;
    }

    /** Copies rows {@code [from, to)} to the heap (one copy per layer and tensor, whatever the row count). */
    public KvSnapshot snapshot(int from, int to) {
        if (from < 0 || to > length || from > to) {
            throw new RasdException("KV cache snapshot [" + from + ", " + to + ") outside [0, " + length + "]");
        }
        float[][] k = new float[layers][];
        float[][] v = new float[layers][];
        try (NDManager sm = manager.newSubManager()) {
            NDIndex rows = new NDIndex(":, {}:{}, :", from, to);
            for (int l = 0; l < layers; l++) {
                k[l] = floats(keys[l].get(sm, rows), sm);
                v[l] = floats(values[l].get(sm, rows), sm);
            }
        }
        return new KvSnapshot(to - from, kvHeads, headDim, k, v);
    }

    /**
     * Fills an empty cache with the first {@code rows} rows of {@code parts} laid end to end (consecutive snapshots of
     * one sequence starting at row 0, taken from a cache of the same model: the keys carry their RoPE positions).
     */
    public void restore(List<KvSnapshot> parts, int rows) {
        if (length != 0) {
            throw new RasdException("KV cache restore needs an empty cache, this one holds " + length + " rows");
        }
        if (rows == 0) {
            return;
        }
        KvSnapshot first = parts.get(0);
        if (first.layers() != layers || first.kvHeads() != kvHeads || first.headDim() != headDim) {
            throw new RasdException("KV cache restore: the snapshot has " + first.layers() + " layers x "
                    + first.kvHeads() + " kv heads x " + first.headDim() + " but this cache " + layers + " x " + kvHeads
                    + " x " + headDim + ": it was taken from another model");
        }
        KvSnapshot all = KvSnapshot.concat(parts, 0, rows);
        ensureRoom(rows);
        try (NDManager sm = manager.newSubManager()) {
            NDIndex at = new NDIndex(":, 0:{}, :", rows);
            Shape shape = new Shape(kvHeads, rows, headDim);
            for (int l = 0; l < layers; l++) {
                Torch.copyInto(
                        keys[l],
                        new long[] {0, 0, 0},
                        new long[] {kvHeads, rows, headDim},
                        rows(all.keys()[l], shape, sm));
                Torch.copyInto(
                        values[l],
                        new long[] {0, 0, 0},
                        new long[] {kvHeads, rows, headDim},
                        rows(all.values()[l], shape, sm));
            }
        }
        length = rows;
    }

    /** Heap copy of rows read from the cache (half rows widen exactly to f32). */
    private float[] floats(NDArray rows, NDManager sm) {
        return DeviceTensors.readFloats(precision.isHalf() ? Kernels.get().cast(rows, Precision.F32, sm) : rows);
    }

    /** Heap rows as an array of this cache's element type (f32 rows of a half model round exactly back). */
    private NDArray rows(float[] data, Shape shape, NDManager sm) {
        NDArray f32 = DeviceTensors.upload(sm, data, shape); // sm: a sub-manager of the cache's, on its device
        return precision.isHalf() ? Kernels.get().cast(f32, precision, sm) : f32;
    }

    /** Makes room for {@code n} more rows, or fails with the context limit. */
    void ensureRoom(int n) {
        int needed = length + n;
        if (needed > limit) {
            throw new RasdException("Context window exceeded: " + length + " cached + " + n + " new tokens > " + limit
                    + " (the model's context limit)");
        }
        if (needed <= capacity) {
            return;
        }
        int newCap = capacity;
        while (newCap < needed) {
            newCap = (int) Math.min((long) newCap * 2, limit);
        }
        for (int l = 0; l < layers; l++) {
            keys[l] = grow(keys[l], newCap);
            values[l] = grow(values[l], newCap);
        }
        capacity = newCap;
    }

    private NDArray grow(NDArray old, int newCap) {
        NDArray bigger = zeros(newCap);
        if (length > 0) {
            try (NDManager sm = manager.newSubManager()) {
                Torch.copyInto(
                        bigger,
                        new long[] {0, 0, 0},
                        new long[] {kvHeads, length, headDim},
                        Torch.slice(old, 1, 0, length, sm));
            }
        }
        old.close();
        return bigger;
    }

    /** Writes this step's keys and values {@code [kvHeads, n, headDim]} at rows {@code [length, length+n)}. */
    void write(int layer, NDArray k, NDArray v, int n) {
        long[] from = {0, length, 0};
        long[] to = {kvHeads, length + n, headDim};
        Torch.copyInto(keys[layer], from, to, k);
        Torch.copyInto(values[layer], from, to, v);
    }

    /** Views of rows {@code [0, rows)} owned by the step manager (views of cache arrays must not land here). */
    NDArray keys(int layer, int rows, NDManager step) {
        return Torch.slice(keys[layer], 1, 0, rows, step);
    }

    NDArray values(int layer, int rows, NDManager step) {
        return Torch.slice(values[layer], 1, 0, rows, step);
    }

    /** Every layer's key array (the live arrays, not copies): the kernel module writes this step's rows in place. */
    NDArray[] keyArrays() {
        return keys;
    }

    NDArray[] valueArrays() {
        return values;
    }

    void advance(int n) {
        length += n;
    }

    /** Live arrays of this cache's manager; constant over any number of steps. */
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
