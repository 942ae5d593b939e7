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
