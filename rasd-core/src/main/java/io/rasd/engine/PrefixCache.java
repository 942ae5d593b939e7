package io.rasd.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rasd.RasdException;
import io.rasd.model.KvSnapshot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.LongAdder;

/**
 * KV rows of token sequences seen before, so a repeated system prompt, RAG context or chat history is not encoded
 * again: a generation restores the rows of the longest cached prefix of its prompt and prefills only the rest.
 *
 * <p>Rows are kept in blocks of {@link Builder#blockTokens} consecutive tokens (vLLM's automatic prefix caching): the
 * key of a block is a SHA-256 chain over the model's {@linkplain io.rasd.model.CausalLm#identity() identity} and every
 * token from the start of the sequence to the block's end, so a block is found only by a sequence with the same model
 * and the same whole prefix. Prompts that share a prefix share its blocks (a 600-token RAG context asked ten questions
 * is held once, not ten times), a lookup is one hash probe per block, and storing a longer sequence copies only the
 * blocks not cached yet. Matches end on a block boundary: up to {@code blockTokens - 1} tokens of a shared prefix are
 * prefilled again, a few milliseconds. A cryptographic hash, because a collision would feed one prompt the rows of
 * another (vLLM's CVE-2025-25183); the block's own tokens are compared too.
 *
 * <p>Blocks live on the Java heap ({@link KvSnapshot}: float arrays, immutable), so eviction needs no native-memory
 * lifecycle and any number of generations may read a block at once. The cache is bounded by the bytes of its blocks
 * (Caffeine's {@code maximumWeight}, W-TinyLFU eviction): every hit touches all the blocks of its prefix, so the start
 * of a popular context outlives its tails. A block whose predecessor was evicted can no longer be reached; it holds its
 * bytes until eviction takes it as well.
 *
 * <p>One cache may serve several engines and models; rows of one model never reach another. Thread-safe.
 */
public final class PrefixCache {

    /**
     * What the cache did so far.
     *
     * @param hits lookups that restored rows (at least {@link #minPrefixTokens()})
     * @param misses lookups that restored nothing
     * @param reusedTokens target rows restored instead of prefilled, over all hits
     * @param evictions blocks evicted to stay within the byte bound
     * @param bytes heap bytes of the cached blocks now
     * @param entries cached blocks now
     */
    public record Stats(long hits, long misses, long reusedTokens, long evictions, long bytes, long entries) {}

    /** A prefix found: the first {@code rows} rows of {@code blocks} laid end to end. */
    record Match(List<KvSnapshot> blocks, int rows) {
        static final Match NONE = new Match(List.of(), 0);
    }

    /** Copies rows {@code [from, to)} of a KV cache to the heap. */
    @FunctionalInterface
    interface RowSource {
        KvSnapshot rows(int from, int to);
    }

    private record BlockKey(long a, long b, long c, long d) {
        static BlockKey of(byte[] digest) {
            ByteBuffer bb = ByteBuffer.wrap(digest);
            return new BlockKey(bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong());
        }
    }

    private record Block(int[] tokens, KvSnapshot rows) {
        /** Heap bytes: the rows, the tokens, and the arrays' and records' headers. */
        int weight() {
            long bytes = rows.bytes() + 4L * tokens.length + 16L * (2 * rows.layers() + 6) + 64;
            return (int) Math.min(Integer.MAX_VALUE, bytes);
        }
    }

    private final Cache<BlockKey, Block> blocks;
    private final long maxBytes;
    private final int minPrefixTokens;
    private final int blockTokens;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder reused = new LongAdder();

    private PrefixCache(Builder b) {
        if (b.maxBytes <= 0) {
            throw new RasdException("prefix cache maxBytes must be > 0, got " + b.maxBytes);
        }
        if (b.blockTokens < 1) {
            throw new RasdException("prefix cache blockTokens must be >= 1, got " + b.blockTokens);
        }
        if (b.minPrefixTokens < 1) {
            throw new RasdException("prefix cache minPrefixTokens must be >= 1, got " + b.minPrefixTokens);
        }
        this.maxBytes = b.maxBytes;
        this.minPrefixTokens = b.minPrefixTokens;
        this.blockTokens = b.blockTokens;
        this.blocks = Caffeine.newBuilder()
                .maximumWeight(b.maxBytes)
                .weigher((BlockKey k, Block v) -> v.weight())
                .executor(b.executor)
                .recordStats()
                .build();
    }

    /** A cache holding at most {@code maxBytes} of rows, with the default block size and minimum prefix. */
    public static PrefixCache ofBytes(long maxBytes) {
        return builder().maxBytes(maxBytes).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public long maxBytes() {
        return maxBytes;
    }

    public int minPrefixTokens() {
        return minPrefixTokens;
    }

    public int blockTokens() {
        return blockTokens;
    }

    public Stats stats() {
        long bytes =
                blocks.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
        return new Stats(
                hits.sum(), misses.sum(), reused.sum(), blocks.stats().evictionCount(), bytes, blocks.estimatedSize());
    }

    /** Runs pending maintenance (eviction) now; with a direct {@link Builder#executor} the stats are then exact. */
    public void cleanUp() {
        blocks.cleanUp();
    }

    /** Drops every cached block (the counters stay). */
    public void invalidateAll() {
        blocks.invalidateAll();
    }

    /**
     * The longest cached prefix of {@code tokens} for {@code model}, at most {@code maxRows} rows; counted as a hit or
     * a miss. A match shorter than {@link #minPrefixTokens()} is a miss: it is not worth a copy.
     */
    Match lookup(String model, int[] tokens, int maxRows) {
        Match m = find(model, tokens, maxRows);
        if (m.rows() > 0) {
            hits.increment();
            reused.add(m.rows());
        } else {
            misses.increment();
        }
        return m;
    }

    /** {@link #lookup} without counting: the draft model's rows for a prompt whose target rows were looked up. */
    Match lookupQuietly(String model, int[] tokens, int maxRows) {
        return find(model, tokens, maxRows);
    }

    private Match find(String model, int[] tokens, int maxRows) {
        int limit = Math.min(maxRows, tokens.length);
        if (limit < minPrefixTokens) {
            return Match.NONE;
        }
        List<KvSnapshot> found = new ArrayList<>();
        MessageDigest chain = start(model);
        // a block may serve part of its rows, but it is found only through all of its tokens
        for (int from = 0; from < limit && from + blockTokens <= tokens.length; from += blockTokens) {
            int[] own = Arrays.copyOfRange(tokens, from, from + blockTokens);
            Block b = blocks.getIfPresent(BlockKey.of(next(chain, own)));
            if (b == null || !Arrays.equals(b.tokens(), own)) {
                break;
            }
            found.add(b.rows());
        }
        int rows = Math.min(limit, found.size() * blockTokens);
        return rows < minPrefixTokens ? Match.NONE : new Match(List.copyOf(found), rows);
    }

    /**
     * Caches the rows of {@code tokens[0, rows)} for {@code model}, whole blocks only; blocks already cached are not
     * copied again. {@code source} must hold exactly those tokens' rows in its first {@code rows} rows.
     */
    void store(String model, int[] tokens, int rows, RowSource source) {
        int full = Math.min(rows, tokens.length) / blockTokens;
        if (full == 0) {
            return;
        }
        MessageDigest chain = start(model);
        BlockKey[] keys = new BlockKey[full];
        int firstMissing = -1;
        for (int i = 0; i < full; i++) {
            keys[i] = BlockKey.of(next(chain, Arrays.copyOfRange(tokens, i * blockTokens, (i + 1) * blockTokens)));
            if (firstMissing < 0 && blocks.getIfPresent(keys[i]) == null) {
                firstMissing = i;
            }
        }
        if (firstMissing < 0) {
            return;
        }
        // one copy out of the model's cache for all new blocks, split on the heap
        KvSnapshot copied = source.rows(firstMissing * blockTokens, full * blockTokens);
        for (int i = firstMissing; i < full; i++) {
            int at = (i - firstMissing) * blockTokens;
            Block b = new Block(
                    Arrays.copyOfRange(tokens, i * blockTokens, (i + 1) * blockTokens),
                    copied.slice(at, at + blockTokens));
            blocks.asMap().putIfAbsent(keys[i], b);
        }
    }

    private static MessageDigest start(String model) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("rasd prefix cache v1\n" + model).getBytes(StandardCharsets.UTF_8));
            return md;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Extends the chain by one block's tokens; returns the digest that keys the block (the chain goes on from it). */
    private static byte[] next(MessageDigest chain, int[] tokens) {
        ByteBuffer bb = ByteBuffer.allocate(4 * tokens.length);
        bb.asIntBuffer().put(tokens);
        chain.update(bb.array());
        byte[] digest = chain.digest();
        chain.update(digest); // digest() reset it: the next block's key covers this one's
        return digest;
    }

    public static final class Builder {
        private long maxBytes = 256L << 20;
        private int minPrefixTokens = 16;
        private int blockTokens = 16;
        private Executor executor = ForkJoinPool.commonPool();

        /** Bytes of cached rows (Java heap) at most; default 256 MiB. */
        public Builder maxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        /** Shorter matches are not restored (default 16): copying a few rows saves less than it costs. */
        public Builder minPrefixTokens(int tokens) {
            this.minPrefixTokens = tokens;
            return this;
        }

        /** Tokens per cached block (default 16): the granularity of sharing and of matches. */
        public Builder blockTokens(int tokens) {
            this.blockTokens = tokens;
            return this;
        }

        /** Where Caffeine runs eviction and other maintenance; {@code Runnable::run} makes it synchronous (tests). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        public PrefixCache build() {
            return new PrefixCache(this);
        }
    }
}
