package io.rasd.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header mapping tensor names to dtype, shape and
 * byte range, then the data. The header is checked completely before any byte is mapped (lengths, ranges, overlaps,
 * sizes), because a corrupt file must end in an error message, not a native crash.
 */
public final class SafeTensorsFile implements AutoCloseable {

    /** Headers are small JSON; anything larger is corrupt or hostile. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private SafeTensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
    }

    public static SafeTensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new RasdException("Missing safetensors file " + path);
        } catch (IOException e) {
            throw new RasdException("Cannot open " + path + ": " + e.getMessage(), e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafeTensorsFile parse(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) {
                throw corrupt(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw corrupt(
                        path,
                        "header length " + Long.toUnsignedString(headerLen) + " does not fit a file of " + size
                                + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            JsonObject root;
            try {
                root = JsonParser.parseString(json).getAsJsonObject();
            } catch (RuntimeException e) {
                throw corrupt(path, "header is not a JSON object (" + e.getMessage() + ")");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : root.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                entries.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataLen));
            }
            checkNoOverlap(path, entries);
            return new SafeTensorsFile(path, ch, dataStart, entries);
        } catch (IOException e) {
            throw new RasdException("Cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static Entry parseEntry(Path path, String name, JsonElement el, long dataLen) {
        if (!el.isJsonObject()) {
            throw corrupt(path, "entry \"" + name + "\" is not an object");
        }
        JsonObject o = el.getAsJsonObject();
        JsonElement dt = o.get("dtype");
        JsonElement sh = o.get("shape");
        JsonElement off = o.get("data_offsets");
        if (dt == null
                || sh == null
                || off == null
                || !sh.isJsonArray()
                || !off.isJsonArray()
                || off.getAsJsonArray().size() != 2) {
            throw corrupt(path, "entry \"" + name + "\" needs dtype, shape and data_offsets [begin, end]");
        }
        // found by fuzzing: getAsString() throws UnsupportedOperationException for an object or null and reads a
        // one-element array as its element
        if (!dt.isJsonPrimitive() || !dt.getAsJsonPrimitive().isString()) {
            throw corrupt(path, "entry \"" + name + "\" has dtype " + dt + "; expected a string such as \"F32\"");
        }
        DType dtype = DType.parse(dt.getAsString(), name, path.toString());
        long[] shape = new long[sh.getAsJsonArray().size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = asLong(path, name, sh.getAsJsonArray().get(i));
            if (shape[i] < 0) {
                throw corrupt(path, "entry \"" + name + "\" has a negative dimension");
            }
            count = multiply(path, name, count, shape[i]);
        }
        long begin = asLong(path, name, off.getAsJsonArray().get(0));
        long end = asLong(path, name, off.getAsJsonArray().get(1));
        if (begin < 0 || end < begin || end > dataLen) {
            throw corrupt(
                    path,
                    "entry \"" + name + "\" has data_offsets [" + begin + ", " + end + "] outside the data region of "
                            + dataLen + " bytes (truncated file?)");
        }
        long expected = multiply(path, name, count, dtype.bytes());
        if (end - begin != expected) {
            throw corrupt(
                    path,
                    "entry \"" + name + "\" covers " + (end - begin) + " bytes but dtype " + dtype + " and shape "
                            + java.util.Arrays.toString(shape) + " need " + expected);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Found by fuzzing: a shape like [2^32, 2^32] overflowed into an ArithmeticException, not an error message. */
    private static long multiply(Path path, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw corrupt(path, "entry \"" + name + "\" has a shape whose size overflows 64 bits");
        }
    }

    private static long asLong(Path path, String name, JsonElement e) {
        try {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new NumberFormatException(String.valueOf(e));
            }
            return e.getAsBigDecimal().longValueExact();
        } catch (RuntimeException ex) {
            throw corrupt(path, "entry \"" + name + "\" has a non-integer value " + e);
        }
    }

    private static void checkNoOverlap(Path path, Map<String, Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin));
        Entry furthest = null;
        for (Entry cur : sorted) {
            if (cur.end == cur.begin) {
                continue;
            }
            if (furthest != null && cur.begin < furthest.end) {
                throw corrupt(path, "tensors \"" + furthest.name + "\" and \"" + cur.name + "\" overlap");
            }
            if (furthest == null || cur.end > furthest.end) {
                furthest = cur;
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static RasdException corrupt(Path path, String what) {
        return new RasdException("Corrupt safetensors file " + path + ": " + what);
    }

    public Path path() {
        return path;
    }

    public Set<String> names() {
        return entries.keySet();
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** Maps exactly this tensor's bytes (one mapping per tensor: a shared mapping with an offset reads from its base). */
    public TensorData tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new RasdException(path + ": no tensor named \"" + name + "\"");
        }
        long len = e.end - e.begin;
        if (len > Integer.MAX_VALUE) {
            throw new RasdException(
                    path + ": tensor \"" + name + "\" is " + len + " bytes; tensors over 2 GiB are not supported");
        }
        try {
            ByteBuffer buf = len == 0
                    ? ByteBuffer.allocateDirect(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, len);
            return new TensorData(name, e.dtype, e.shape.clone(), buf.order(ByteOrder.LITTLE_ENDIAN), path.toString());
        } catch (IOException ex) {
            throw new RasdException("Cannot map tensor \"" + name + "\" of " + path + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to recover: the mapping, if any, stays valid after the channel closes
        }
    }
}
