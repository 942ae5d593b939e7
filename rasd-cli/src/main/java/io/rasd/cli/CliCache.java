package io.rasd.cli;

import java.nio.file.Path;

/** Where the CLI caches what it builds once (the demo datastore): {@code ~/.cache/rasd}, or {@code -Drasd.cache.dir}. */
final class CliCache {

    private CliCache() { }

    static Path directory() {
        String custom = System.getProperty("rasd.cache.dir");
        return custom != null ? Path.of(custom) : Path.of(System.getProperty("user.home"), ".cache", "rasd");
    }
}
