package io.rasd.cli;

import io.rasd.bench.BenchCache;
import io.rasd.datastore.DatastoreBuilder;
import io.rasd.datastore.TokenDatastore;
import io.rasd.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the CLI caches what it builds once (demo and benchmark datastores): {@code ~/.cache/rasd}, or
 * {@code -Drasd.cache.dir}. */
final class CliCache {

    private CliCache() {}

    /**
     * The datastore {@code name} for this tokenizer: built from {@code inputs} on first use (progress bar on stderr),
     * saved atomically under the cache folder, then memory-mapped from there.
     */
    static TokenDatastore datastore(String name, Tokenizer tokenizer, List<Path> inputs) {
        Path cache = BenchCache.datastoreFile(name, tokenizer);
        if (!Files.isRegularFile(cache)) {
            ProgressBar bar = new ProgressBar(System.err, "building the " + name + " datastore");
            DatastoreBuilder.Result r =
                    new DatastoreBuilder(tokenizer).progress(bar::update).build(inputs);
            bar.finish();
            r.datastore().save(cache, tokenizer);
            r.datastore().close();
            System.err.printf(
                    "%s datastore: %d documents, %d tokens, cached in %s%n", name, r.documents(), r.tokens(), cache);
        }
        return TokenDatastore.open(cache, tokenizer);
    }
}
