package io.rasd.peers.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads back what the tests need of a GGUF v3 file: scalar metadata, tensor infos and where the data starts. */
final class GgufTestReader {

    record Info(String name, long[] ne, int type, long offset) {}

    final ByteBuffer file;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Map<String, Info> tensors = new LinkedHashMap<>();
    final long dataStart;

    GgufTestReader(Path path) throws IOException {
        file = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        if (file.getInt() != GgufWriter.MAGIC || file.getInt() != GgufWriter.VERSION) {
            throw new IllegalStateException(path + " is not GGUF v3");
        }
        long nTensors = file.getLong();
        long nKv = file.getLong();
        for (long i = 0; i < nKv; i++) {
            String key = string();
            metadata.put(key, value(file.getInt()));
        }
        for (long i = 0; i < nTensors; i++) {
            String name = string();
            long[] ne = new long[file.getInt()];
            for (int d = 0; d < ne.length; d++) {
                ne[d] = file.getLong();
            }
            tensors.put(name, new Info(name, ne, file.getInt(), file.getLong()));
        }
        long end = file.position();
        dataStart = (end + GgufWriter.ALIGNMENT - 1) / GgufWriter.ALIGNMENT * GgufWriter.ALIGNMENT;
    }

    /** The bytes of {@code name}'s data, {@code bytes} long. */
    ByteBuffer data(String name, int bytes) {
        Info t = tensors.get(name);
        return file.duplicate()
                .position(Math.toIntExact(dataStart + t.offset()))
                .limit(Math.toIntExact(dataStart + t.offset() + bytes))
                .slice()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    private String string() {
        byte[] b = new byte[Math.toIntExact(file.getLong())];
        file.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object value(int type) {
        switch (GgufWriter.ValueType.values()[type]) {
            case UINT8:
            case INT8:
                return file.get();
            case BOOL:
                return file.get() != 0;
            case UINT16:
            case INT16:
                return file.getShort();
            case UINT32:
                return file.getInt() & 0xffffffffL;
            case INT32:
                return file.getInt();
            case FLOAT32:
                return file.getFloat();
            case UINT64:
            case INT64:
                return file.getLong();
            case FLOAT64:
                return file.getDouble();
            case STRING:
                return string();
            case ARRAY:
                int elementType = file.getInt();
                long n = file.getLong();
                for (long i = 0; i < n; i++) {
                    value(elementType);
                }
                return n;
            default:
                throw new IllegalStateException("type " + type);
        }
    }
}
