package io.rasd.datastore;

import io.rasd.RasdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * The on-disk form of one {@link DatastoreSegment}, read by memory-mapping so a 100M-token store opens in
 * milliseconds and shares the page cache between processes. Little-endian throughout:
 *
 * <pre>
 *  0  8  magic "RASDTOKS"
 *  8  4  format version (1)
 * 12  4  header length H (a multiple of 8; the payload starts there)
 * 16  8  token count T
 * 24  8  document count N
 * 32  8  document id bytes B
 * 40  4  CRC32C of the payload
 * 44  4  CRC32C of the header's H bytes with this field zeroed
 * 48  4  tokenizer fingerprint length, then its UTF-8 bytes
 *  .  4  tokenizer source length, then its UTF-8 bytes (where the tokenizer was loaded from; for error messages)
 *  .     zero padding up to H
 *  H     payload: T token ids, T suffix array entries, N document ends, then N document ids (4-byte length + UTF-8)
 * </pre>
 *
 * A file is written to a temporary sibling, forced to disk and renamed over the target, so a crash or a failed
 * write leaves the previous file as it was. Mappings are read-only: the file is never modified in place.
 */
public final class DatastoreFile {

    public static final String MAGIC = "RASDTOKS";
    public static final int VERSION = 1;

    private static final byte[] MAGIC_BYTES = MAGIC.getBytes(StandardCharsets.US_ASCII);
    private static final int FIXED_HEADER_BYTES = 52;
    private static final int HEADER_CRC_OFFSET = 44;
    /** Guards against reading a corrupt length as a request for gigabytes of header. */
    private static final int MAX_HEADER_BYTES = 1 << 16;

    private static final int VERIFY_CHUNK_BYTES = 1 << 28;

    /** What a datastore file's header says, validated against the file's length. */
    public record Header(
            int version,
            String tokenizerFingerprint,
            String tokenizerSource,
            long tokenCount,
            long documentCount,
            long documentIdBytes,
            int headerBytes,
            int payloadChecksum,
            long fileBytes) {

        /** Bytes from the start of the file to the document ids section. */
        long documentIdsOffset() {
            return headerBytes + 8 * tokenCount + 4 * documentCount;
        }
    }

    private DatastoreFile() {}

    /** Reads and validates the header: magic, version, header checksum, and the sizes against the file length. */
    public static Header readHeader(Path file) {
        try (FileChannel ch = openForReading(file)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw new RasdException("Cannot read token datastore " + file + ": " + e.getMessage(), e);
        }
    }

    /** Recomputes the payload checksum; a mismatch means the file was damaged after it was written. */
    public static void verifyChecksum(Path file) {
        try (FileChannel ch = openForReading(file)) {
            verifyChecksum(file, ch, readHeader(file, ch));
        } catch (IOException e) {
            throw new RasdException("Cannot read token datastore " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Maps a datastore file. The tokenizer fingerprint must match: token ids from another vocabulary would be
     * retrieved as garbage that the target model then rejects, silently costing speed.
     */
    static DatastoreSegment open(Path file, String expectedFingerprint, String tokenizerInUse, boolean verify) {
        return open(file, expectedFingerprint, tokenizerInUse, verify, IntSequence.DEFAULT_CHUNK_SHIFT);
    }

    static DatastoreSegment open(
            Path file, String expectedFingerprint, String tokenizerInUse, boolean verify, int chunkShift) {
        try (FileChannel ch = openForReading(file)) {
            Header h = readHeader(file, ch);
            if (!h.tokenizerFingerprint().equals(expectedFingerprint)) {
                throw new RasdException("Token datastore " + file + " was built with the tokenizer "
                        + describe(h.tokenizerSource(), h.tokenizerFingerprint()) + ", but the tokenizer in use is "
                        + describe(tokenizerInUse, expectedFingerprint) + "; token ids of different vocabularies"
                        + " do not mix: rebuild the datastore with this tokenizer (rasd datastore build"
                        + " --tokenizer DIR ...)");
            }
            if (verify) {
                verifyChecksum(file, ch, h);
            }
            int t = (int) h.tokenCount();
            int n = (int) h.documentCount();
            long offset = h.headerBytes();
            IntSequence tokens = IntSequence.map(ch, offset, t, chunkShift);
            IntSequence suffixes = IntSequence.map(ch, offset + 4L * t, t, chunkShift);
            IntSequence ends = IntSequence.map(ch, offset + 8L * t, n, chunkShift);
            checkDocumentEnds(file, ends, t);
            String[] ids = readDocumentIds(file, ch, h);
            return new DatastoreSegment(tokens, ends, suffixes, ids);
        } catch (IOException e) {
            throw new RasdException("Cannot read token datastore " + file + ": " + e.getMessage(), e);
        }
    }

    private static String describe(String source, String fingerprint) {
        String fp = fingerprint.length() > 16 ? fingerprint.substring(0, 16) + "…" : fingerprint;
        return source == null || source.isEmpty() ? "with fingerprint " + fp : source + " (fingerprint " + fp + ")";
    }

    private static FileChannel openForReading(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new RasdException("Token datastore " + file + " does not exist");
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        String what = "Token datastore " + file;
        if (size == 0) {
            throw new RasdException(what + " is empty: not a rasd token datastore (was its write interrupted?)");
        }
        ByteBuffer fixed = readFully(ch, 0, (int) Math.min(size, FIXED_HEADER_BYTES));
        byte[] magic = new byte[Math.min(MAGIC_BYTES.length, fixed.remaining())];
        fixed.get(0, magic);
        if (!Arrays.equals(magic, MAGIC_BYTES)) {
            throw new RasdException(what + " is not a rasd token datastore: it starts with bytes "
                    + HexFormat.ofDelimiter(" ").formatHex(magic) + ", expected the magic \"" + MAGIC + "\"");
        }
        if (size < FIXED_HEADER_BYTES) {
            throw new RasdException(
                    what + " is truncated: " + size + " bytes, the header alone needs " + FIXED_HEADER_BYTES);
        }
        int version = fixed.getInt(8);
        if (version != VERSION) {
            throw new RasdException(what + " has format version " + version + "; this rasd reads version " + VERSION
                    + ": rebuild it with this version (rasd datastore build)");
        }
        int headerBytes = fixed.getInt(12);
        if (headerBytes < FIXED_HEADER_BYTES + 4 || headerBytes > MAX_HEADER_BYTES || headerBytes % 8 != 0) {
            throw new RasdException(what + " has a corrupt header (header length " + headerBytes + ")");
        }
        if (size < headerBytes) {
            throw new RasdException(what + " is truncated: " + size + " bytes, its header alone needs " + headerBytes);
        }
        ByteBuffer header = readFully(ch, 0, headerBytes);
        int storedCrc = header.getInt(HEADER_CRC_OFFSET);
        header.putInt(HEADER_CRC_OFFSET, 0);
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().clear());
        if ((int) crc.getValue() != storedCrc) {
            throw new RasdException(what + " has a corrupt header (checksum mismatch); rebuild it");
        }
        long tokens = header.getLong(16);
        long documents = header.getLong(24);
        long idBytes = header.getLong(32);
        if (tokens < 0
                || tokens > DatastoreSegment.MAX_TOKENS
                || documents < 0
                || documents > Integer.MAX_VALUE - 8
                || idBytes < 4 * documents
                || idBytes > Integer.MAX_VALUE) {
            throw new RasdException(what + " has a corrupt header: " + tokens + " tokens, " + documents + " documents, "
                    + idBytes + " bytes of document ids");
        }
        header.position(48);
        String fingerprint = readString(header, what);
        String source = readString(header, what);
        long expected = headerBytes + 8 * tokens + 4 * documents + idBytes;
        if (size != expected) {
            throw new RasdException(what + (size < expected ? " is truncated" : " has trailing bytes") + ": "
                    + size + " bytes, expected " + expected + " for " + tokens + " tokens and " + documents
                    + " documents; rebuild it");
        }
        return new Header(
                version, fingerprint, source, tokens, documents, idBytes, headerBytes, header.getInt(40), size);
    }

    private static String readString(ByteBuffer b, String what) {
        int n = b.remaining() >= 4 ? b.getInt() : -1;
        if (n < 0 || n > b.remaining()) {
            throw new RasdException(what + " has a corrupt header (string length " + n + ")");
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                break;
            }
        }
        return b.flip();
    }

    private static void verifyChecksum(Path file, FileChannel ch, Header h) throws IOException {
        CRC32C crc = new CRC32C();
        for (long pos = h.headerBytes(); pos < h.fileBytes(); pos += VERIFY_CHUNK_BYTES) {
            crc.update(ch.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(VERIFY_CHUNK_BYTES, h.fileBytes() - pos)));
        }
        if ((int) crc.getValue() != h.payloadChecksum()) {
            throw new RasdException("Token datastore " + file + " is corrupt: payload checksum "
                    + String.format("%08x", (int) crc.getValue()) + " does not match the header's "
                    + String.format("%08x", h.payloadChecksum()) + "; rebuild it");
        }
    }

    private static void checkDocumentEnds(Path file, IntSequence ends, int tokens) {
        int previous = 0;
        for (int d = 0; d < ends.length(); d++) {
            int e = ends.get(d);
            if (e < previous || e > tokens) {
                throw new RasdException("Token datastore " + file + " is corrupt: document " + d + " ends at " + e
                        + " (previous end " + previous + ", " + tokens + " tokens); rebuild it");
            }
            previous = e;
        }
        if (previous != tokens) {
            throw new RasdException("Token datastore " + file + " is corrupt: documents cover " + previous + " of "
                    + tokens + " tokens; rebuild it");
        }
    }

    private static String[] readDocumentIds(Path file, FileChannel ch, Header h) throws IOException {
        ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, h.documentIdsOffset(), h.documentIdBytes())
                .order(ByteOrder.LITTLE_ENDIAN);
        String[] ids = new String[(int) h.documentCount()];
        for (int d = 0; d < ids.length; d++) {
            int n = b.remaining() >= 4 ? b.getInt() : -1;
            if (n < 0 || n > b.remaining()) {
                throw new RasdException("Token datastore " + file + " is corrupt: document id " + d
                        + " overruns its section; rebuild it");
            }
            byte[] bytes = new byte[n];
            b.get(bytes);
            ids[d] = new String(bytes, StandardCharsets.UTF_8);
        }
        if (b.hasRemaining()) {
            throw new RasdException("Token datastore " + file + " is corrupt: " + b.remaining()
                    + " stray bytes after the document ids; rebuild it");
        }
        return ids;
    }

    /** Writes {@code segment} to {@code file} atomically. */
    static void write(Path file, DatastoreSegment segment, String fingerprint, String tokenizerSource) {
        write(file, segment, fingerprint, tokenizerSource, () -> {});
    }

    /** {@code beforeRename} runs once the temporary file is complete and forced: tests fail there to act a crash. */
    static void write(
            Path file, DatastoreSegment segment, String fingerprint, String tokenizerSource, Runnable beforeRename) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = dir.resolve("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            Files.createDirectories(dir);
            byte[] fp = fingerprint.getBytes(StandardCharsets.UTF_8);
            byte[] src = (tokenizerSource == null ? "" : tokenizerSource).getBytes(StandardCharsets.UTF_8);
            int headerBytes = (FIXED_HEADER_BYTES + fp.length + 4 + src.length + 7) & ~7;
            if (headerBytes > MAX_HEADER_BYTES) {
                throw new RasdException("tokenizer fingerprint and source are too long for a datastore header");
            }
            // CREATE_NEW, not createTempFile: the file keeps the umask's permissions instead of owner-only
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                PayloadWriter w = new PayloadWriter(ch, headerBytes);
                w.ints(segment.tokens());
                w.ints(segment.suffixArray());
                w.ints(segment.docEnds());
                long idStart = w.written();
                for (int d = 0; d < segment.documentCount(); d++) {
                    byte[] id = segment.documentId(d).getBytes(StandardCharsets.UTF_8);
                    w.putInt(id.length);
                    w.bytes(id);
                }
                if (w.written() - idStart > Integer.MAX_VALUE) {
                    // one mapping reads the section back: refuse here rather than write a file open() rejects
                    throw new RasdException("the document ids of " + file + " take more than 2 GiB; use shorter ids");
                }
                w.flush();
                ByteBuffer header = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC_BYTES)
                        .putInt(VERSION)
                        .putInt(headerBytes)
                        .putLong(segment.tokenCount())
                        .putLong(segment.documentCount())
                        .putLong(w.written() - idStart)
                        .putInt(w.checksum())
                        .putInt(0)
                        .putInt(fp.length)
                        .put(fp)
                        .putInt(src.length)
                        .put(src);
                CRC32C crc = new CRC32C();
                crc.update(header.array());
                header.putInt(HEADER_CRC_OFFSET, (int) crc.getValue());
                header.clear();
                while (header.hasRemaining()) {
                    ch.write(header, header.position());
                }
                ch.force(true);
            }
            beforeRename.run();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            forceDirectory(dir);
        } catch (IOException e) {
            throw new RasdException("Cannot write token datastore " + file + ": " + e, e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary name starts with '.' and ends in .tmp; a leftover harms nothing
                }
            }
        }
    }

    /** Makes the rename itself durable (POSIX); where a directory cannot be opened, the rename is all there is. */
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open a directory as a channel
        }
    }

    /** Streams the payload through a direct buffer, checksumming exactly the bytes that reach the file. */
    private static final class PayloadWriter {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final int[] scratch = new int[1 << 16];
        private final CRC32C crc = new CRC32C();
        private long position;
        private long flushed;

        PayloadWriter(FileChannel ch, long start) {
            this.ch = ch;
            this.position = start;
        }

        void ints(IntSequence s) throws IOException {
            for (int from = 0; from < s.length(); ) {
                int n = Math.min(scratch.length, s.length() - from);
                s.copyTo(from, scratch, 0, n);
                ensure(4 * n);
                IntBuffer view = buf.asIntBuffer();
                view.put(scratch, 0, n);
                buf.position(buf.position() + 4 * n);
                from += n;
            }
        }

        void putInt(int v) throws IOException {
            ensure(4);
            buf.putInt(v);
        }

        void bytes(byte[] b) throws IOException {
            for (int from = 0; from < b.length; ) {
                ensure(1);
                int n = Math.min(buf.remaining(), b.length - from);
                buf.put(b, from, n);
                from += n;
            }
        }

        private void ensure(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void flush() throws IOException {
            buf.flip();
            crc.update(buf.duplicate());
            flushed += buf.remaining();
            while (buf.hasRemaining()) {
                position += ch.write(buf, position);
            }
            buf.clear();
        }

        /** Payload bytes so far, buffered ones included. */
        long written() {
            return flushed + buf.position();
        }

        int checksum() {
            return (int) crc.getValue();
        }
    }
}
