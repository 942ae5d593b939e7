package io.rasd.model;

import io.rasd.RasdException;
import java.util.List;

/**
 * A copy of consecutive KV-cache rows on the Java heap: per layer the keys and values {@code [kvHeads, rows, headDim]}
 * flattened row-major, exactly as the cache holds them (keys already rotated by RoPE, so rows carry their positions and
 * may only go back at the same rows). Heap arrays instead of NDArrays: a snapshot owns no native memory, so a cache
 * may drop it at any time, and it is immutable after construction, so any number of threads may read it at once.
 */
public record KvSnapshot(int rows, int kvHeads, int headDim, float[][] keys, float[][] values) {

    public KvSnapshot {
        if (rows < 0 || keys.length != values.length) {
            throw new RasdException(
                    "KV snapshot: " + rows + " rows, " + keys.length + " key and " + values.length + " value layers");
        }
        int floats = kvHeads * rows * headDim;
        for (int l = 0; l < keys.length; l++) {
            if (keys[l].length != floats || values[l].length != floats) {
                throw new RasdException("KV snapshot layer " + l + ": expected " + floats + " floats");
            }
        }
    }

    public int layers() {
        return keys.length;
    }

    /** Heap bytes of the copied rows (what a byte-bounded cache weighs). */
    public long bytes() {
        return 2L * layers() * kvHeads * rows * headDim * Float.BYTES;
    }

    /** Rows {@code [from, to)} of this snapshot as a snapshot of their own (copied). */
    public KvSnapshot slice(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new RasdException("KV snapshot slice [" + from + ", " + to + ") outside [0, " + rows + ")");
        }
        return concat(List.of(this), from, to);
    }

    /**
     * Rows {@code [from, to)} of the concatenation of {@code parts} (consecutive rows, same model shape); with one part
     * whose rows are exactly that range the part itself.
     */
    static KvSnapshot concat(List<KvSnapshot> parts, int from, int to) {
        KvSnapshot first = parts.get(0);
        if (parts.size() == 1 && from == 0 && to == first.rows) {
            return first;
        }
        int layers = first.layers();
        int heads = first.kvHeads;
        int hd = first.headDim;
        int n = to - from;
        float[][] k = new float[layers][heads * n * hd];
        float[][] v = new float[layers][heads * n * hd];
        int offset = 0; // first row of the current part within the concatenation
        for (KvSnapshot p : parts) {
            if (p.layers() != layers || p.kvHeads != heads || p.headDim != hd) {
                throw new RasdException("KV snapshots of different model shapes cannot be joined");
            }
            int a = Math.max(from, offset);
            int b = Math.min(to, offset + p.rows);
            for (int l = 0; l < layers && a < b; l++) {
                for (int h = 0; h < heads; h++) {
                    int src = (h * p.rows + a - offset) * hd;
                    int dst = (h * n + a - from) * hd;
                    System.arraycopy(p.keys[l], src, k[l], dst, (b - a) * hd);
                    System.arraycopy(p.values[l], src, v[l], dst, (b - a) * hd);
                }
            }
            offset += p.rows;
        }
        if (offset < to) {
            throw new RasdException("KV snapshots hold " + offset + " rows, " + to + " requested");
        }
        return new KvSnapshot(n, heads, hd, k, v);
    }
}
