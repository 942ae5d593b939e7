package io.rasd.datastore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The temporary files a killed writer leaves beside a datastore file. {@link DatastoreFile#write} writes to
 * {@code .NAME.<random hex>.tmp} in the target's folder and renames it over {@code NAME}; a process killed in between
 * leaves that file behind. It never harms an open (which reads {@code NAME} only) or a save (which picks a new random
 * name and creates it exclusively), but each is as large as the store, so a later successful save of the same file
 * removes them.
 *
 * <p>Only files untouched for {@link #MIN_AGE} go: another process may be saving the same file right now, and
 * deleting its temporary file would make its rename fail. A live writer touches its file with every megabyte it
 * writes; only the final fsync is a longer pause.
 */
final class StaleTempFiles {

    private static final Logger LOG = LoggerFactory.getLogger(StaleTempFiles.class);

    static final Duration MIN_AGE = Duration.ofMinutes(10);

    private StaleTempFiles() {}

    /** The temporary files of {@code file} that are older than {@code minAge}, as they are now. */
    static List<Path> of(Path file, Duration minAge) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Pattern name = Pattern.compile(Pattern.quote("." + target.getFileName() + ".") + "[0-9a-f]{1,16}\\.tmp");
        FileTime cutoff = FileTime.from(Instant.now().minus(minAge));
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(
                dir, p -> name.matcher(p.getFileName().toString()).matches())) {
            for (Path p : entries) {
                try {
                    if (Files.isRegularFile(p) && Files.getLastModifiedTime(p).compareTo(cutoff) < 0) {
                        stale.add(p);
                    }
                } catch (IOException gone) {
                    // removed meanwhile
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {} for stale temporary files: {}", dir, e.toString());
        }
        return stale;
    }

    /** Deletes the stale temporary files of {@code file}; a failure leaves them for the next save. */
    static int removeFor(Path file) {
        int removed = 0;
        for (Path p : of(file, MIN_AGE)) {
            try {
                if (Files.deleteIfExists(p)) {
                    removed++;
                    LOG.info("removed {}, left by a datastore save that did not finish", p);
                }
            } catch (IOException e) {
                LOG.warn("cannot remove stale temporary file {}: {}", p, e.toString());
            }
        }
        return removed;
    }
}
