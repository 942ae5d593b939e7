package io.rasd.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Copies held-out corpus documents (never trained on) into {@code models/demo-corpus/}: the documents the demo's
 * datastore is built from and its prompts quote. Perl's perlfaq3/5, and the held-out Python docs and JDK sources up to
 * a size cap.
 */
public final class BundleDemoCorpus {

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        Path out = Path.of(args.length > 0 ? args[0] : "models/demo-corpus");
        long cap = 120_000;
        long python = 0;
        long jdk = 0;
        StringBuilder sources = new StringBuilder("""
                # Demo corpus

                Documents held out from the demo models' training (see models/README.md), bundled so that `./rasd demo`
                can build its datastore offline. Each keeps its upstream licence:

                | file | package | licence |
                |---|---|---|
                """);
        List<DemoCorpus.Document> docs = DemoCorpus.load();
        for (DemoCorpus.Document d : docs) {
            if (!d.heldOut()) {
                continue;
            }
            boolean take = switch (d.source()) {
                case "perl-doc" -> true;
                case "python3.11-doc" -> python + d.text().length() <= cap;
                default -> jdk + d.text().length() <= cap;
            };
            if (!take) {
                continue;
            }
            if (d.source().equals("python3.11-doc")) {
                python += d.text().length();
            } else if (d.source().equals("openjdk-17-source")) {
                jdk += d.text().length();
            }
            Path file = out.resolve(d.id());
            Files.createDirectories(file.getParent());
            Files.writeString(file, d.text());
            String licence = switch (d.source()) {
                case "perl-doc" -> "Perl (Artistic License or GPL-1.0+)";
                case "python3.11-doc" -> "PSF License 2.0";
                default -> "GPL-2.0 with Classpath Exception";
            };
            sources.append("| ")
                    .append(d.id())
                    .append(" | ")
                    .append(d.source())
                    .append(" | ")
                    .append(licence)
                    .append(" |\n");
        }
        Files.writeString(out.resolve("SOURCES.md"), sources.toString());
    }
}
