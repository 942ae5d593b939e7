package io.rasd.datastore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The writer {@link KilledWriterTest} kills: saves the given datastore files, round robin, over one path until it is
 * killed. Prints {@code saved N V} after the N-th complete save (version V). Exits by itself when its parent closes
 * its standard input (the test died) or after a minute, so it can never outlive the build.
 *
 * <p>Arguments: target path, tokenizer fingerprint, then the version files.
 */
public final class RepeatedSaver {

    private RepeatedSaver() {}

    public static void main(String[] args) {
        Path target = Path.of(args[0]);
        String fingerprint = args[1];
        List<TokenDatastore> versions = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            versions.add(TokenDatastore.open(Path.of(args[i]), fingerprint, false));
        }
        Thread watchdog = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // the parent never writes; EOF means it is gone
                }
            } catch (IOException ignored) {
                // same as EOF
            }
            System.exit(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (long n = 0; System.nanoTime() < deadline; n++) {
            int v = (int) (n % versions.size());
            versions.get(v).save(target, fingerprint);
            System.out.println("saved " + n + " " + v);
            System.out.flush();
        }
        System.exit(4);
    }
}
