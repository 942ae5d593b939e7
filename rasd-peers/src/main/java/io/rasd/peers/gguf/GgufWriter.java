package io.rasd.peers.gguf;

import io.rasd.RasdException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a GGUF v3 file (ggml's model format, read by llama.cpp): header, typed metadata, tensor infos, then the
 * tensor data, each tensor aligned to {@link #ALIGNMENT} bytes. Tensors are f32 or f16 ({@link GgmlType}), each
 * carrying its type in its tensor info. Tensor bytes are pulled one tensor at a time while writing, so a 2 GB model
 * never sits in memory twice. The file appears atomically (temporary file, fsync, rename).
 *
 * <p>Dimensions follow ggml's order, innermost first: a PyTorch {@code [rows, cols]} matrix is {@code ne = {cols,
 * rows}}; {@link #addTensor} takes the row-major (PyTorch) shape and reverses it.
 */
public final class GgufWriter {

    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final int VERSION = 3;
    static final int ALIGNMENT = 32;

    /** The ggml tensor types this writer stores: {@code ggml_type}'s id and the bytes per element. */
    public enum GgmlType {
        F32(0, 4),
        F16(1, 2);

        private final int id;
        private final int bytes;

        GgmlType(int id, int bytes) {
            this.id = id;
            this.bytes = bytes;
        }

        /** {@code GGML_TYPE_F32} = 0, {@code GGML_TYPE_F16} = 1. */
        public int id() {
            return id;
        }

        public int bytesPerElement() {
            return bytes;
        }
    }

    /** GGUF metadata value types. */
    enum ValueType {
        UINT8,
        INT8,
        UINT16,
        INT16,
        UINT32,
        INT32,
        FLOAT32,
        BOOL,
        STRING,
        ARRAY,
        UINT64,
        INT64,
        FLOAT64
    }

    private record Tensor(String name, long[] shape, GgmlType type, Supplier<ByteBuffer> data) {
        long bytes() {
            long n = type.bytesPerElement();
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Map<String, byte[]> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter putString(String key, String value) {
        return put(key, ValueType.STRING, b -> string(b, value));
    }

    public GgufWriter putUInt32(String key, long value) {
        if (value < 0 || value > 0xffffffffL) {
            throw new RasdException("GGUF " + key + ": " + value + " does not fit a uint32");
        }
        return put(key, ValueType.UINT32, b -> b.putInt((int) value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, ValueType.INT32, b -> b.putInt(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, ValueType.FLOAT32, b -> b.putFloat(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, ValueType.BOOL, b -> b.put((byte) (value ? 1 : 0)));
    }

    public GgufWriter putStringArray(String key, List<String> values) {
        return put(key, ValueType.ARRAY, b -> {
            b.putInt(ValueType.STRING.ordinal());
            b.putLong(values.size());
            values.forEach(v -> string(b, v));
        });
    }

    public GgufWriter putInt32Array(String key, int[] values) {
        return put(key, ValueType.ARRAY, b -> {
            b.putInt(ValueType.INT32.ordinal());
            b.putLong(values.length);
            for (int v : values) {
                b.putInt(v);
            }
        });
    }

    /**
     * An f32 tensor.
     *
     * @param shape row-major (PyTorch) shape
     * @param data little-endian f32 values in row-major order, called once while the file is written
     */
    public GgufWriter addTensor(String name, long[] shape, Supplier<ByteBuffer> data) {
        return addTensor(name, shape, GgmlType.F32, data);
    }

    /**
     * @param shape row-major (PyTorch) shape
     * @param type how {@code data} encodes each element
     * @param data little-endian values of {@code type} in row-major order, called once while the file is written
     */
    public GgufWriter addTensor(String name, long[] shape, GgmlType type, Supplier<ByteBuffer> data) {
        tensors.add(new Tensor(name, shape.clone(), type, data));
        return this;
    }

    /** Writes the file: {@code out} is either the previous file or the complete new one, never half of it. */
    public void write(Path out) {
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp");
            try (FileChannel ch =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer head = header();
                writeFully(ch, head);
                for (Tensor t : tensors) {
                    pad(ch);
                    ByteBuffer data = t.data().get().duplicate();
                    if (data.remaining() != t.bytes()) {
                        throw new RasdException("GGUF tensor " + t.name() + ": " + data.remaining()
                                + " bytes of data for shape " + java.util.Arrays.toString(t.shape()) + " (expected "
                                + t.bytes() + " for " + t.type() + ")");
                    }
                    writeFully(ch, data);
                }
                ch.force(true);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new RasdException("Cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the failure that got us here is what the caller needs to see
                }
            }
        }
    }

    /** Magic, version, counts, metadata and tensor infos, padded so the data section starts aligned. */
    private ByteBuffer header() {
        Buf b = new Buf();
        b.putInt(MAGIC);
        b.putInt(VERSION);
        b.putLong(tensors.size());
        b.putLong(metadata.size());
        metadata.values().forEach(b::put);
        long offset = 0;
        for (Tensor t : tensors) {
            string(b, t.name());
            b.putInt(t.shape().length);
            for (int d = t.shape().length - 1; d >= 0; d--) {
                b.putLong(t.shape()[d]);
            }
            b.putInt(t.type().id());
            b.putLong(offset);
            offset += align(t.bytes());
        }
        while (b.size() % ALIGNMENT != 0) {
            b.put((byte) 0);
        }
        return ByteBuffer.wrap(b.toByteArray());
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void pad(FileChannel ch) throws IOException {
        long rem = ch.position() % ALIGNMENT;
        if (rem != 0) {
            writeFully(ch, ByteBuffer.allocate((int) (ALIGNMENT - rem)));
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private GgufWriter put(String key, ValueType type, java.util.function.Consumer<Buf> value) {
        Buf b = new Buf();
        string(b, key);
        b.putInt(type.ordinal());
        value.accept(b);
        metadata.put(key, b.toByteArray());
        return this;
    }

    private static void string(Buf b, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        b.putLong(utf8.length);
        b.put(utf8);
    }

    /** A growable little-endian byte buffer. */
    private static final class Buf extends ByteArrayOutputStream {
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void put(byte v) {
            write(v);
        }

        void put(byte[] v) {
            write(v, 0, v.length);
        }

        void putInt(int v) {
            scratch.clear();
            write(scratch.putInt(v).array(), 0, 4);
        }

        void putLong(long v) {
            scratch.clear();
            write(scratch.putLong(v).array(), 0, 8);
        }

        void putFloat(float v) {
            putInt(Float.floatToRawIntBits(v));
        }
    }
}
