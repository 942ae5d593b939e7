package io.rasd.bench;

import io.rasd.text.Tokenizer;
import java.nio.file.Path;

/**
 * Where the benchmarks cache what they build once: {@code ~/.cache/rasd}, or {@code -Drasd.cache.dir}. The benchmark
 * datastore {@code ./rasd bench} builds is the one {@code ./rasd bench --peers} opens.
 */
public final class BenchCache {

    private BenchCache() {}

    public static Path directory() {
        String custom = System.getProperty("rasd.cache.dir");
        return custom != null ? Path.of(custom) : Path.of(System.getProperty("user.home"), ".cache", "rasd");
    }

    /** The file of the datastore {@code name} ("bench", "demo") built with {@code tokenizer}. */
    public static Path datastoreFile(String name, Tokenizer tokenizer) {
        return directory()
                .resolve(name)
                .resolve("datastore-" + tokenizer.fingerprint().substring(0, 16) + ".rds");
    }
}
