package io.rasd.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** Damages copies of checkpoints for tests: one value of one tensor overwritten in place, in the file's dtype. */
public final class CheckpointEdits {

    private CheckpointEdits() {}

    /** Copies the files of model directory {@code src} (e.g. a committed fixture) into {@code dst}. */
    public static Path copy(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    /** Replaces {@code from} by {@code to} in {@code dir/config.json}; fails when the config has no {@code from}. */
    public static void editConfig(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String s = Files.readString(c);
        if (!s.contains(from)) {
            throw new IllegalStateException("config has no " + from);
        }
        Files.writeString(c, s.replace(from, to));
    }

    /**
     * Rewrites {@code dir/model.safetensors} after {@code edit} has changed its name-to-tensor map: weights as f32,
     * index tables (I64, BOOL) in their own type.
     */
    public static void editTensors(
            Path dir, java.util.function.Consumer<java.util.Map<String, SafeTensorsWriter.Tensor>> edit) {
        Path file = dir.resolve("model.safetensors");
        java.util.Map<String, SafeTensorsWriter.Tensor> tensors = new java.util.LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String name : f.names()) {
                TensorData t = f.tensor(name);
                float[] v = new float[Math.toIntExact(t.elementCount())];
                switch (t.dtype()) {
                    case I64 -> {
                        long[] l = t.toLongs();
                        for (int i = 0; i < v.length; i++) {
                            v[i] = l[i];
                        }
                    }
                    case BOOL -> {
                        for (int i = 0; i < v.length; i++) {
                            v[i] = t.bytes().get(i);
                        }
                    }
                    default -> t.toF32().asFloatBuffer().get(v);
                }
                tensors.put(
                        name, new SafeTensorsWriter.Tensor(t.dtype().isFloat() ? DType.F32 : t.dtype(), t.shape(), v));
            }
        }
        edit.accept(tensors);
        SafeTensorsWriter w = new SafeTensorsWriter();
        tensors.forEach((n, t) -> w.put(n, t.dtype(), t.shape(), t.values()));
        w.write(file);
    }

    /** What to change in one f32 tensor: its name and its values, row-major, to edit in place. */
    @FunctionalInterface
    public interface TensorEdit {
        void apply(String name, long[] shape, float[] values);
    }

    /** Rewrites the f32 safetensors {@code file} with {@code edit} applied to each of its tensors. */
    public static void rewrite(Path file, TensorEdit edit) {
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String name : f.names()) {
                TensorData t = f.tensor(name);
                float[] v = new float[(int) t.elementCount()];
                t.bytes().asFloatBuffer().get(v);
                edit.apply(name, t.shape(), v);
                w.put(name, DType.F32, t.shape(), v);
            }
        }
        w.write(file);
    }

    /** Overwrites element {@code index} (row-major) of {@code tensor} in safetensors {@code file}. */
    public static void overwrite(Path file, String tensor, long index, float value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long headerLen = len.flip().getLong();
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            ch.read(header, 8);
            JsonObject entry = JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8))
                    .getAsJsonObject()
                    .getAsJsonObject(tensor);
            if (entry == null) {
                throw new IllegalArgumentException(file + " has no tensor " + tensor);
            }
            DType dtype = DType.valueOf(entry.get("dtype").getAsString());
            long begin = entry.getAsJsonArray("data_offsets").get(0).getAsLong();
            ByteBuffer b = ByteBuffer.allocate(dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case F32 -> b.putFloat(value);
                case F16 -> b.putShort(SafeTensorsWriter.toF16(value));
                case BF16 -> b.putShort(SafeTensorsWriter.toBf16(value));
            }
            ch.write(b.flip(), 8 + headerLen + begin + index * dtype.bytes());
        }
    }
}
