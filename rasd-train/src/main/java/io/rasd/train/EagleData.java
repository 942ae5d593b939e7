package io.rasd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rasd.RasdException;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.Positions;
import io.rasd.text.Tokenizer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Training data for an EAGLE head: the target's own greedy continuations of corpus prompts, with the target's features
 * (final-normed last hidden states) of every token from one forward over the whole sequence. Examples are cached in a
 * flat file ({@code [int n][int hidden][n ints][n·hidden floats]} per example, appended one at a time), so training
 * never re-runs the target and an interrupted generation keeps what it finished.
 */
final class EagleData {

    private EagleData() {}

    /** Token ids of every document (files under each path, sorted), split into training and held-out documents. */
    record Corpus(List<int[]> train, List<int[]> heldOut) {}

    /**
     * Reads and tokenizes text files under {@code paths}; every 20th document (in path order, at least one when there
     * are two or more) is held out for the agreement measurement.
     */
    static Corpus corpus(List<Path> paths, Tokenizer tok) {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new RasdException("corpus path " + p + " is neither a file nor a folder");
            }
        }
        List<int[]> train = new ArrayList<>();
        List<int[]> held = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            String text;
            try {
                text = new String(Files.readAllBytes(files.get(i)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (text.isBlank() || text.indexOf('\0') >= 0) {
                continue; // empty or binary
            }
            int[] ids = tok.encode(text, true);
            boolean heldOut = i % 20 == 19 || (i == files.size() - 1 && held.isEmpty() && files.size() > 1);
            (heldOut ? held : train).add(ids);
        }
        if (train.isEmpty()) {
            throw new RasdException("no text in the corpus " + paths);
        }
        return new Corpus(train, held);
    }

    /** A random prompt window of up to {@code promptLen} tokens (at least 2) from a random document. */
    static int[] prompt(List<int[]> docs, int promptLen, SplittableRandom rnd) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int[] doc = docs.get(rnd.nextInt(docs.size()));
            if (doc.length < 2) {
                continue;
            }
            int len = Math.min(promptLen, doc.length);
            int start = doc.length == len ? 0 : rnd.nextInt(doc.length - len + 1);
            int[] p = new int[len];
            System.arraycopy(doc, start, p, 0, len);
            return p;
        }
        throw new RasdException("the corpus has no document of at least 2 tokens");
    }

    /**
     * The target's greedy continuation of {@code prompt} up to {@code seqLen} tokens in all (stopping after
     * an end-of-sequence id), and its features of every token from one forward over the whole sequence.
     */
    static EagleHeadTrainer.Example generate(CausalLm target, int[] prompt, int seqLen) {
        int[] seq = new int[Math.max(seqLen, prompt.length)];
        System.arraycopy(prompt, 0, seq, 0, prompt.length);
        int n = prompt.length;
        try (KvCache cache = target.newCache()) {
            int[] next = prompt;
            while (n < seq.length) {
                int tok;
                try (Logits l = target.forward(
                        cache, next, positions(cache.length(), next.length), AttentionMask.causal(), lastRow(next))) {
                    tok = l.argmax()[0];
                }
                seq[n++] = tok;
                if (target.generationConfig().isEos(tok)) {
                    break;
                }
                next = new int[] {tok};
            }
        }
        return features(target, java.util.Arrays.copyOf(seq, n));
    }

    /** {@code tokens} with the target's features of every token, from one forward over the whole sequence. */
    static EagleHeadTrainer.Example features(CausalLm target, int[] tokens) {
        int n = tokens.length;
        try (KvCache cache = target.newCache();
                Logits all = target.forward(cache, tokens);
                NDManager m = NDManager.newBaseManager(target.device(), "PyTorch")) {
            NDArray f = all.hidden(m, Positions.consecutive(0, n));
            return new EagleHeadTrainer.Example(tokens, f.toFloatArray());
        }
    }

    private static int[] positions(int from, int n) {
        return Positions.consecutive(from, n);
    }

    private static int[] lastRow(int[] tokens) {
        return new int[] {tokens.length - 1};
    }

    /** Reads every complete example of {@code file} (none when absent); a torn last record is cut off. */
    static List<EagleHeadTrainer.Example> read(Path file, int hidden) {
        List<EagleHeadTrainer.Example> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        long good = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            while (true) {
                int n;
                try {
                    n = in.readInt();
                } catch (EOFException e) {
                    break;
                }
                try {
                    int h = in.readInt();
                    if (h != hidden || n < 2) {
                        throw new RasdException(file + ": an example of " + n + " tokens with hidden size " + h
                                + "; this target's hidden size is " + hidden + " (delete the cache to regenerate)");
                    }
                    int[] tokens = new int[n];
                    for (int i = 0; i < n; i++) {
                        tokens[i] = in.readInt();
                    }
                    float[] f = new float[n * h];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = in.readFloat();
                    }
                    out.add(new EagleHeadTrainer.Example(tokens, f));
                    good += 8 + 4L * n + 4L * n * h;
                } catch (EOFException e) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (ch.size() > good) {
                ch.truncate(good); // a record torn by an interrupted run
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Appends one example to {@code file}. */
    static void append(Path file, EagleHeadTrainer.Example ex) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                    Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 16))) {
                int n = ex.tokens().length;
                out.writeInt(n);
                out.writeInt(ex.features().length / n);
                for (int t : ex.tokens()) {
                    out.writeInt(t);
                }
                for (float v : ex.features()) {
                    out.writeFloat(v);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
