package io.rasd.datastore;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;

/**
 * A read-only run of int32 values, either a heap array (segments built in this process) or read-only views over a
 * memory-mapped file (segments opened from disk). One class rather than an interface keeps the query loop's
 * {@link #get} monomorphic. A mapped run is split into chunks because one {@code MappedByteBuffer} covers at most
 * 2 GiB; a segment's token section alone may hold 2^31 ints (8 GiB).
 */
final class IntSequence {

    /** 2^28 ints = 1 GiB per mapping: well under the 2 GiB limit of a {@code MappedByteBuffer}. */
    static final int DEFAULT_CHUNK_SHIFT = 28;

    private final int[] heap;
    private final IntBuffer[] chunks;
    private final int shift;
    private final int mask;
    private final int length;

    private IntSequence(int[] heap, IntBuffer[] chunks, int shift, int length) {
        this.heap = heap;
        this.chunks = chunks;
        this.shift = shift;
        this.mask = (1 << shift) - 1;
        this.length = length;
    }

    static IntSequence of(int[] values) {
        return new IntSequence(values, null, DEFAULT_CHUNK_SHIFT, values.length);
    }

    /** Maps {@code length} little-endian ints of {@code channel} from byte {@code offset}, read-only. */
    static IntSequence map(FileChannel channel, long offset, int length, int chunkShift) throws IOException {
        long chunkInts = 1L << chunkShift;
        int n = (int) ((length + chunkInts - 1) / chunkInts);
        IntBuffer[] chunks = new IntBuffer[Math.max(n, 1)];
        for (int k = 0; k < chunks.length; k++) {
            long first = k * chunkInts;
            long count = Math.min(chunkInts, length - first);
            chunks[k] = channel.map(
                            FileChannel.MapMode.READ_ONLY, offset + first * Integer.BYTES, count * Integer.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer();
        }
        return new IntSequence(null, chunks, chunkShift, length);
    }

    int length() {
        return length;
    }

    boolean isMapped() {
        return heap == null;
    }

    int get(int i) {
        if (heap != null) {
            return heap[i];
        }
        return chunks.length == 1 ? chunks[0].get(i) : chunks[i >>> shift].get(i & mask);
    }

    /** Copies {@code [from, from + count)} into {@code dst} at {@code dstOffset}, in bulk where the storage allows. */
    void copyTo(int from, int[] dst, int dstOffset, int count) {
        if (heap != null) {
            System.arraycopy(heap, from, dst, dstOffset, count);
            return;
        }
        while (count > 0) {
            int chunk = from >>> shift;
            int inChunk = from & mask;
            int n = Math.min(count, chunks[chunk].limit() - inChunk);
            chunks[chunk].get(inChunk, dst, dstOffset, n);
            from += n;
            dstOffset += n;
            count -= n;
        }
    }
}
