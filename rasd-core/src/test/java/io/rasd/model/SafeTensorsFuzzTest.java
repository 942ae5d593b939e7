package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.testing.Fuzz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the safetensors header parser ({@link SafeTensorsFile}) and the shard index reader ({@link Checkpoint}):
 * whatever the bytes, opening ends in a checkpoint or a RasdException, and a file that opens reports tensors whose
 * bytes are exactly what dtype and shape say and lie inside the file. Inputs: random bytes, and valid files mutated at
 * the byte level (bit flips, truncation, overwritten length field) and at the JSON level (hostile values for every
 * field, overflowing shapes, overlapping and out-of-range offsets, duplicate keys, deep nesting, non-UTF-8 bytes).
 */
class SafeTensorsFuzzTest {

    static final Fuzz FUZZ = new Fuzz("safetensors");
    private static final Duration LIMIT = Duration.ofSeconds(10);

    private static Path dir;
    /** Valid files to mutate: several dtypes, a scalar, an empty tensor, metadata. */
    private static final List<byte[]> VALID = new ArrayList<>();

    /** One fuzz input: how it was made (printed when a property fails) and its bytes. */
    record Input(String how, byte[] bytes) {
        @Override
        public String toString() {
            int n = Math.min(bytes.length, 160);
            return how + " (" + bytes.length + " bytes, starting "
                    + new String(bytes, 0, n, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", ".") + ")";
        }
    }

    @BeforeAll
    static void writeValidFiles() throws IOException {
        dir = FUZZ.directory();
        Path f = dir.resolve("valid.safetensors");
        new SafeTensorsWriter()
                .put("w", DType.F32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .put("b", DType.BF16, new long[] {3}, new float[] {1, -2, 0.5f})
                .put("h", DType.F16, new long[] {2, 1}, new float[] {7, 8})
                .put("scalar", DType.F32, new long[] {}, new float[] {3})
                .put("empty", DType.F32, new long[] {0, 4}, new float[] {})
                .write(f);
        VALID.add(Files.readAllBytes(f));
        new SafeTensorsWriter()
                .put("model.embed_tokens.weight", DType.F32, new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
                .write(f);
        VALID.add(Files.readAllBytes(f));
        // the writer emits no __metadata__; HF files carry one
        VALID.add(raw(
                "{\"__metadata__\":{\"format\":\"pt\"},\"x\":{\"dtype\":\"F16\",\"shape\":[2],"
                        + "\"data_offsets\":[0,4]}}",
                0,
                4));
        Files.delete(f);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        FUZZ.finish();
    }

    // ---- properties ----

    @Test
    void randomBytesOpenOrFailWithRasdException() {
        Fuzz.forAll(3000, r -> new Input("random bytes", Fuzz.bytes(r, 300)), SafeTensorsFuzzTest::check);
    }

    @Test
    void randomBytesAfterAPlausibleLengthFieldOpenOrFailWithRasdException() {
        Fuzz.forAll(
                3000,
                r -> {
                    byte[] body = Fuzz.bytes(r, 200);
                    ByteBuffer b = ByteBuffer.allocate(8 + body.length).order(ByteOrder.LITTLE_ENDIAN);
                    b.putLong(body.length).put(body);
                    return new Input("random header of its declared length", b.array());
                },
                SafeTensorsFuzzTest::check);
    }

    @Test
    void mutatedValidFilesOpenOrFailWithRasdException() {
        Fuzz.forAll(6000, SafeTensorsFuzzTest::mutate, SafeTensorsFuzzTest::check);
    }

    @Test
    void hostileHeadersOpenOrFailWithRasdException() {
        Fuzz.forAll(4000, SafeTensorsFuzzTest::hostileHeader, SafeTensorsFuzzTest::check);
    }

    @Test
    void shardIndexesOpenOrFailWithRasdException() {
        Fuzz.forAll(2000, SafeTensorsFuzzTest::index, SafeTensorsFuzzTest::checkIndex);
    }

    private static void checkIndex(String indexJson) throws IOException {
        Path model = dir.resolve("sharded");
        Files.createDirectories(model);
        Files.write(model.resolve("a.safetensors"), VALID.get(0));
        Files.write(model.resolve("b.safetensors"), VALID.get(1));
        Files.createDirectories(model.resolve("sub"));
        Files.writeString(model.resolve("model.safetensors.index.json"), indexJson, StandardCharsets.UTF_8);
        Fuzz.Outcome<List<Long>> o = FUZZ.input(LIMIT, () -> {
            try (Checkpoint c = Checkpoint.open(model)) {
                // every tensor the index names must now be readable
                List<Long> sizes = new ArrayList<>();
                for (String name : List.of("w", "b", "h", "scalar", "empty", "model.embed_tokens.weight")) {
                    if (c.contains(name)) {
                        TensorData t = c.tensor(name);
                        sizes.add((long) t.bytes().capacity());
                        assertThat((long) t.bytes().capacity())
                                .isEqualTo(t.elementCount() * t.dtype().bytes());
                    }
                }
                return sizes;
            }
        });
        if (o.accepted()) {
            assertThat(o.value()).isNotNull();
        }
    }

    // ---- the contract ----

    private static void check(Input input) {
        Path f = dir.resolve("fuzz.safetensors");
        try {
            Files.write(f, input.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long fileSize = input.bytes().length;
        FUZZ.input(LIMIT, () -> {
            try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
                long total = 0;
                for (String name : st.names()) {
                    TensorData t = st.tensor(name);
                    long bytes = t.bytes().capacity();
                    for (long d : t.shape()) {
                        assertThat(d).as("dimension of %s", name).isNotNegative();
                    }
                    assertThat(bytes)
                            .as("bytes of %s", name)
                            .isEqualTo(t.elementCount() * t.dtype().bytes());
                    assertThat(bytes).as("bytes of %s", name).isLessThanOrEqualTo(fileSize - 8);
                    t.bytes().get(0, new byte[(int) bytes]); // every byte is readable
                    total += bytes;
                }
                assertThat(total).as("tensor bytes (non-overlapping)").isLessThanOrEqualTo(fileSize - 8);
                return total;
            }
        });
    }

    // ---- generators ----

    /** 1-3 byte-level mutations of a valid file. */
    static Input mutate(RandomGenerator r) {
        byte[] b = VALID.get(r.nextInt(VALID.size())).clone();
        StringBuilder how = new StringBuilder("valid file");
        for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) {
            switch (r.nextInt(6)) {
                case 0 -> {
                    int flips = 1 + r.nextInt(8);
                    for (int i = 0; i < flips && b.length > 0; i++) {
                        int at = r.nextInt(b.length);
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                    how.append(", ").append(flips).append(" bit flips");
                }
                case 1 -> {
                    int cut = b.length == 0 ? 0 : r.nextInt(b.length + 1);
                    b = Arrays.copyOf(b, cut);
                    how.append(", truncated to ").append(cut);
                }
                case 2 -> {
                    if (b.length >= 8) {
                        long v = Fuzz.interestingLong(r, b.length);
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
                        how.append(", header length ").append(v);
                    }
                }
                case 3 -> {
                    if (b.length > 0) {
                        int at = r.nextInt(b.length);
                        byte[] junk = {
                            (byte) 0xff,
                            (byte) 0xc3,
                            (byte) 0xed,
                            (byte) 0xa0,
                            (byte) 0x80,
                            0,
                            '"',
                            '{',
                            '[',
                            ']',
                            '}',
                            ',',
                            ':',
                            '-',
                            '9'
                        };
                        b[at] = junk[r.nextInt(junk.length)];
                        how.append(", byte ").append(at).append(" overwritten");
                    }
                }
                case 4 -> {
                    int extra = r.nextInt(64);
                    byte[] longer = Arrays.copyOf(b, b.length + extra);
                    for (int i = b.length; i < longer.length; i++) {
                        longer[i] = (byte) r.nextInt(256);
                    }
                    b = longer;
                    how.append(", ").append(extra).append(" bytes appended");
                }
                default -> {
                    // replace a digit run inside the header with an interesting number
                    String s = new String(b, StandardCharsets.ISO_8859_1);
                    java.util.regex.Matcher m =
                            java.util.regex.Pattern.compile("\\d+").matcher(s);
                    List<int[]> runs = new ArrayList<>();
                    while (m.find()) {
                        if (m.start() >= 8) {
                            runs.add(new int[] {m.start(), m.end()});
                        }
                    }
                    if (!runs.isEmpty()) {
                        int[] run = runs.get(r.nextInt(runs.size()));
                        String num = interestingNumber(r);
                        s = s.substring(0, run[0]) + num + s.substring(run[1]);
                        b = s.getBytes(StandardCharsets.ISO_8859_1);
                        how.append(", a number replaced by ").append(num);
                    }
                }
            }
        }
        return new Input(how.toString(), b);
    }

    /** A header built from hostile JSON values for every field; the length field usually matches. */
    static Input hostileHeader(RandomGenerator r) {
        StringBuilder json = new StringBuilder("{");
        List<String> names = new ArrayList<>();
        long dataBytes = r.nextInt(64);
        int entries = r.nextInt(5);
        long offset = 0;
        if (r.nextInt(4) == 0) {
            json.append("\"__metadata__\":").append(r.nextBoolean() ? "{\"format\":\"pt\"}" : hostileValue(r));
            names.add("__metadata__");
        }
        for (int i = 0; i < entries; i++) {
            String name = r.nextInt(6) == 0 && !names.isEmpty()
                    ? names.get(r.nextInt(names.size())) // duplicate key
                    : r.nextInt(8) == 0 ? hostileName(r) : "t" + i;
            names.add(name);
            json.append(json.length() > 1 ? "," : "").append('"').append(name).append("\":");
            if (r.nextInt(10) == 0) {
                json.append(hostileValue(r));
                continue;
            }
            String dtype = new String[] {"F32", "F16", "BF16"}[r.nextInt(3)];
            int elem = dtype.equals("F32") ? 4 : 2;
            long[] shape = new long[r.nextInt(4)];
            long count = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = r.nextInt(4);
                count *= shape[d];
            }
            long begin = offset;
            long end = begin + count * elem;
            offset = end;
            dataBytes = Math.max(dataBytes, end);
            json.append('{');
            List<String> fields = new ArrayList<>();
            fields.add("\"dtype\":" + (r.nextInt(5) == 0 ? hostileDtype(r) : "\"" + dtype + "\""));
            fields.add("\"shape\":" + (r.nextInt(4) == 0 ? hostileShape(r) : Arrays.toString(shape)));
            fields.add("\"data_offsets\":"
                    + (r.nextInt(4) == 0 ? hostileOffsets(r, begin, end) : "[" + begin + "," + end + "]"));
            if (r.nextInt(8) == 0) {
                fields.add("\"" + new String[] {"dtype", "shape", "data_offsets", "extra"}[r.nextInt(4)] + "\":"
                        + hostileValue(r));
            }
            Fuzz.shuffle(fields, r);
            json.append(String.join(",", fields)).append('}');
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(8) == 0 && header.length > 0) { // non-UTF-8 bytes inside the header
            header = header.clone();
            byte[][] bad = {
                {(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xc3}
            };
            byte[] ins = bad[r.nextInt(bad.length)];
            int at = r.nextInt(header.length);
            byte[] h2 = new byte[header.length + ins.length];
            System.arraycopy(header, 0, h2, 0, at);
            System.arraycopy(ins, 0, h2, at, ins.length);
            System.arraycopy(header, at, h2, at + ins.length, header.length - at);
            header = h2;
        }
        int pad = r.nextInt(4) == 0 ? r.nextInt(9) : 0;
        long data = r.nextInt(6) == 0 ? Math.max(0, dataBytes + r.nextInt(9) - 4) : dataBytes;
        long declared = r.nextInt(10) == 0 ? Fuzz.interestingLong(r, header.length + pad) : header.length + pad;
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + pad + (int) data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declared).put(header);
        for (int i = 0; i < pad; i++) {
            b.put(r.nextBoolean() ? (byte) ' ' : 0);
        }
        return new Input("hostile header " + json, b.array());
    }

    /** A shard index with hostile weight_map values (null, numbers, objects, paths out of the directory...). */
    static String index(RandomGenerator r) {
        String[] shardNames = {
            "\"a.safetensors\"",
            "\"b.safetensors\"",
            "\"missing.safetensors\"",
            "\"sub\"",
            "\"sub/../a.safetensors\"",
            "\"../a.safetensors\"",
            "\"/\"",
            "\"/etc/passwd\"",
            "\".\"",
            "\"..\"",
            "\"\"",
            "\"a.safetensors\\u0000x\"",
            "\"model.safetensors.index.json\"",
            "null",
            "1",
            "[]",
            "{}",
            "[\"a.safetensors\"]",
            "true",
            "\"" + "x".repeat(300) + "\""
        };
        String[] tensorNames = {"w", "b", "h", "scalar", "empty", "model.embed_tokens.weight", "nope", ""};
        StringBuilder sb = new StringBuilder();
        switch (r.nextInt(12)) {
            case 0 -> sb.append(hostileValue(r));
            case 1 -> sb.append("{\"weight_map\":").append(hostileValue(r)).append('}');
            default -> {
                sb.append("{\"metadata\":{\"total_size\":")
                        .append(interestingNumber(r))
                        .append("},\"weight_map\":{");
                for (int i = 0, n = r.nextInt(5); i < n; i++) {
                    sb.append(i > 0 ? "," : "")
                            .append('"')
                            .append(tensorNames[r.nextInt(tensorNames.length)])
                            .append("\":")
                            .append(
                                    r.nextInt(3) == 0
                                            ? shardNames[r.nextInt(shardNames.length)]
                                            : r.nextBoolean() ? "\"a.safetensors\"" : "\"b.safetensors\"");
                }
                sb.append("}}");
            }
        }
        return sb.toString();
    }

    private static String hostileName(RandomGenerator r) {
        return new String[] {"", "__metadata__", "a\\\"b", "\\ud800", "\\u0000", "x".repeat(5000), "é", "\\uDFFF\\uD800"
                }
                [r.nextInt(8)];
    }

    private static String hostileDtype(RandomGenerator r) {
        return new String[] {
                    "\"F64\"",
                    "\"I8\"",
                    "\"U8\"",
                    "\"\"",
                    "\"f32\"",
                    "null",
                    "5",
                    "true",
                    "[\"F32\"]",
                    "[\"F32\",\"F16\"]",
                    "[]",
                    "{}",
                    "{\"a\":1}",
                    "\"F32\\u0000\""
                }
                [r.nextInt(14)];
    }

    private static String hostileShape(RandomGenerator r) {
        return new String[] {
                    "[]",
                    "[-1]",
                    "[0]",
                    "[4294967296,4294967296]",
                    "[9223372036854775807,2]",
                    "[3037000500,3037000500]",
                    "[2305843009213693952]",
                    "[1.5]",
                    "[2.0]",
                    "[\"4\"]",
                    "[null]",
                    "[[4]]",
                    "[1e400]",
                    "[1e-400]",
                    "[9223372036854775808]",
                    "[-9223372036854775808]",
                    "[NaN]",
                    "[Infinity]",
                    "{}",
                    "\"4\"",
                    "null",
                    "4",
                    "[" + "1,".repeat(200) + "1]",
                    deepArray(r.nextInt(3000))
                }
                [r.nextInt(24)];
    }

    private static String hostileOffsets(RandomGenerator r, long begin, long end) {
        return new String[] {
                    "[0]",
                    "[0,1,2]",
                    "[-1," + end + "]",
                    "[" + end + "," + begin + "]",
                    "[0,9223372036854775807]",
                    "[9223372036854775807,-9223372036854775808]",
                    "[0,1e30]",
                    "[\"0\",\"4\"]",
                    "null",
                    "{}",
                    "[0,0]",
                    "[" + Math.max(0, begin - 2) + "," + end + "]",
                    "[" + begin + "," + (end + 4) + "]",
                    "[" + (begin + 1) + "," + (end + 1) + "]",
                    "[null,null]",
                    "[1.5,4]",
                    "[0," + Long.MAX_VALUE + "0]"
                }
                [r.nextInt(17)];
    }

    private static String hostileValue(RandomGenerator r) {
        return switch (r.nextInt(10)) {
            case 0 -> "null";
            case 1 -> interestingNumber(r);
            case 2 -> "\"x\"";
            case 3 -> "[]";
            case 4 -> deepArray(1 + r.nextInt(5000));
            case 5 -> deepObject(1 + r.nextInt(5000));
            case 6 -> "\"" + "y".repeat(r.nextInt(20000)) + "\"";
            case 7 -> "{\"a\":1,\"a\":2}";
            case 8 -> "true";
            default -> "{}";
        };
    }

    private static String deepArray(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static String deepObject(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    static String interestingNumber(RandomGenerator r) {
        return new String[] {
                    "0",
                    "-1",
                    "1",
                    "4",
                    "2147483647",
                    "2147483648",
                    "4294967296",
                    "9223372036854775807",
                    "9223372036854775808",
                    "-9223372036854775808",
                    "1e400",
                    "-1e400",
                    "1.5",
                    "1e2",
                    "0.0",
                    "-0",
                    "1" + "0".repeat(400),
                    "1e999999999",
                    "NaN",
                    "Infinity"
                }
                [r.nextInt(20)];
    }

    /** A file from header JSON text, padding spaces and data bytes, with the exact header length. */
    static byte[] raw(String header, int pad, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + pad + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length + pad).put(h);
        for (int i = 0; i < pad; i++) {
            b.put((byte) ' ');
        }
        return b.array();
    }
}
