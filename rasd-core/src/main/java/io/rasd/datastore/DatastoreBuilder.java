package io.rasd.datastore;

import io.rasd.RasdException;
import io.rasd.text.Tokenizer;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@link TokenDatastore} from text files and folders: each UTF-8 file is one document, tokenized without
 * special tokens (a BOS in the middle of the store would only ever match other BOSes). Folders are walked
 * recursively in sorted order, so the same inputs give the same file byte for byte; hidden entries (names starting
 * with '.', such as {@code .git}) are passed over. Binary and non-UTF-8 files are skipped and reported.
 */
public final class DatastoreBuilder {

    /** Called after each file with the bytes read so far and in all. */
    @FunctionalInterface
    public interface ProgressListener {
        void progress(long bytesDone, long bytesTotal);
    }

    /** A file left out of the store, and why. */
    public record SkippedFile(String path, String reason) {}

    /** @param bytes bytes of the files that became documents */
    public record Result(
            TokenDatastore datastore,
            int documents,
            long tokens,
            long bytes,
            List<SkippedFile> skipped,
            double seconds) {}

    private final Tokenizer tokenizer;
    private ProgressListener progress = (done, total) -> {};

    public DatastoreBuilder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public DatastoreBuilder progress(ProgressListener listener) {
        this.progress = listener;
        return this;
    }

    /**
     * Tokenizes every file under {@code inputs} and indexes them as one segment. A document's id is its path as
     * reached from the input as given ({@code docs/guide/intro.md} for the input {@code docs}), with '/' separators:
     * unique across several inputs, and stable when the same command runs again.
     */
    public Result build(List<Path> inputs) {
        long startNanos = System.nanoTime();
        Map<String, Path> files = collect(inputs);
        long totalBytes = 0;
        for (Path p : files.values()) {
            totalBytes += sizeOf(p);
        }
        int[] tokens = new int[1 << 16];
        int size = 0;
        List<Integer> ends = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        long done = 0;
        long documentBytes = 0;
        progress.progress(0, totalBytes);
        for (Map.Entry<String, Path> e : files.entrySet()) {
            long bytes = sizeOf(e.getValue());
            String text;
            try {
                text = readText(e.getValue());
            } catch (NotText reason) {
                skipped.add(new SkippedFile(e.getKey(), reason.getMessage()));
                text = null;
            }
            if (text != null) {
                int[] encoded = tokenizer.encode(text, false);
                DatastoreSegment.checkSize((long) size + encoded.length);
                if (size + encoded.length > tokens.length) {
                    tokens = Arrays.copyOf(tokens, (int) Math.min(
                            DatastoreSegment.MAX_TOKENS,
                            Math.max((long) tokens.length * 2, (long) size + encoded.length)));
                }
                System.arraycopy(encoded, 0, tokens, size, encoded.length);
                size += encoded.length;
                ends.add(size);
                ids.add(e.getKey());
                documentBytes += bytes;
            }
            done += bytes;
            progress.progress(done, totalBytes);
        }
        if (ids.isEmpty()) {
            throw new RasdException("no UTF-8 text files in " + inputs
                    + (skipped.isEmpty()
                            ? ""
                            : " (skipped " + skipped.size() + ", e.g. "
                                    + skipped.get(0).path() + ": "
                                    + skipped.get(0).reason() + ")"));
        }
        DatastoreSegment segment = DatastoreSegment.build(
                Arrays.copyOf(tokens, size),
                ends.stream().mapToInt(Integer::intValue).toArray(),
                ids.toArray(String[]::new));
        return new Result(
                TokenDatastore.of(segment),
                ids.size(),
                size,
                documentBytes,
                List.copyOf(skipped),
                (System.nanoTime() - startNanos) / 1e9);
    }

    /** Document id to file, sorted by id; a file reached twice (the same input given twice) counts once. */
    private static Map<String, Path> collect(List<Path> inputs) {
        Map<String, Path> files = new TreeMap<>();
        for (Path input : inputs) {
            if (!Files.exists(input)) {
                throw new RasdException("datastore input " + input + " does not exist");
            }
            if (!Files.isDirectory(input)) {
                files.put(documentId(input.normalize()), input);
                continue;
            }
            try {
                Files.walkFileTree(input, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        return !dir.equals(input) && isHidden(dir)
                                ? FileVisitResult.SKIP_SUBTREE
                                : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile() && !isHidden(file)) {
                            files.put(documentId(input.normalize().resolve(input.relativize(file))), file);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new RasdException("cannot list datastore input " + input + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    private static boolean isHidden(Path p) {
        return p.getFileName() != null && p.getFileName().toString().startsWith(".");
    }

    private static String documentId(Path p) {
        return p.toString().replace(File.separatorChar, '/');
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Why a file is not a text document. */
    private static final class NotText extends Exception {
        NotText(String reason) {
            super(reason, null, false, false);
        }
    }

    private static String readText(Path file) throws NotText {
        byte[] bytes;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 8) {
                throw new NotText("larger than 2 GiB");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new NotText("unreadable: " + e.getMessage());
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new NotText("binary (contains NUL bytes)");
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new NotText("not UTF-8 text");
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
