package io.rasd.model;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes f32 tensors (optionally stored as bf16/f16) as a safetensors file, atomically: a temp file in the same
 * directory, fsync, then rename, so a reader never sees half a checkpoint.
 */
public final class SafeTensorsWriter {

    /** A tensor to write: row-major f32 values, stored as {@code dtype}. */
    public record Tensor(DType dtype, long[] shape, float[] values) {}

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public SafeTensorsWriter put(String name, DType dtype, long[] shape, float[] values) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new RasdException("tensor \"" + name + "\": shape needs " + n + " values, got " + values.length);
        }
        tensors.put(name, new Tensor(dtype, shape.clone(), values));
        return this;
    }

    public void write(Path file) {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long bytes = (long) t.values.length * t.dtype.bytes();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype.name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape) {
                shape.add(d);
            }
            o.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(offset);
            offs.add(offset + bytes);
            o.add("data_offsets", offs);
            header.add(e.getKey(), o);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format aligns data to 8 bytes by padding the header with spaces
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20)) {
            ByteBuffer len =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            byte[] buf = new byte[8192];
            for (Tensor t : tensors.values()) {
                ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values) {
                    if (bb.remaining() < 8) {
                        out.write(buf, 0, bb.position());
                        bb.clear();
                    }
                    switch (t.dtype) {
                        case F32 -> bb.putFloat(v);
                        case BF16 -> bb.putShort(toBf16(v));
                        case F16 -> bb.putShort(toF16(v));
                        case I64 -> bb.putLong((long) v); // index tables: whole numbers, exact below 2^24
                        case BOOL -> bb.put((byte) (v != 0 ? 1 : 0));
                    }
                }
                out.write(buf, 0, bb.position());
            }
            out.flush();
            ch.force(true);
        } catch (IOException e) {
            throw new RasdException("Cannot write " + tmp + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new RasdException("Cannot rename " + tmp + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Round to nearest even, as torch does when casting to bfloat16. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static short toF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        if (exp >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (exp <= 0) {
            if (exp < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - exp;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (exp << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }
}
