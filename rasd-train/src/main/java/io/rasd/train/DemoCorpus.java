package io.rasd.train;

import io.rasd.RasdException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The demo models' corpus: real text installed by {@code tools/demo-models/setup.sh} — the Python 3.11
 * documentation sources (PSF licence), Perl's pod documentation (Artistic/GPL) and the OpenJDK 17 sources of
 * {@code java.base} (GPL-2.0 with Classpath Exception). Every document is assigned to {@code train} or
 * {@code heldout} by a hash of its name (5% held out); the perlfaq chapters 3 and 5 are held out whole so the DocQA
 * benchmark has documents the models never saw.
 */
public final class DemoCorpus {

    public static final Path PYTHON_DOCS = Path.of("/usr/share/doc/python3.11/html/_sources");
    public static final Path PERL_POD = Path.of("/usr/share/perl/5.36.0/pod");
    public static final Path JDK_SRC = Path.of("/usr/lib/jvm/openjdk-17/lib/src.zip");
    private static final Pattern JDK_PACKAGES =
            Pattern.compile("java\\.base/java/(lang|util|io|nio|time|math|text|net)/[^/]*\\.java");

    public record Document(String id, String source, String text, boolean heldOut) {}

    private DemoCorpus() {}

    public static List<Document> load() {
        for (Path p : List.of(PYTHON_DOCS, PERL_POD, JDK_SRC)) {
            if (!Files.exists(p)) {
                throw new RasdException(p + " is missing: run tools/demo-models/setup.sh (as root) to install the"
                        + " corpus packages");
            }
        }
        List<Document> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(PYTHON_DOCS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".rst.txt"))
                    .sorted()
                    .toList()) {
                docs.add(doc("python/" + PYTHON_DOCS.relativize(f), "python3.11-doc", Files.readString(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Stream<Path> files = Files.list(PERL_POD)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".pod")).sorted().toList()) {
                String name = f.getFileName().toString();
                String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                Document d = doc("perl/" + name, "perl-doc", text);
                boolean benchmark = name.equals("perlfaq3.pod") || name.equals("perlfaq5.pod");
                docs.add(benchmark ? new Document(d.id(), d.source(), d.text(), true) : d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (ZipFile zip = new ZipFile(JDK_SRC.toFile())) {
            List<String> names = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String n = en.nextElement().getName();
                if (JDK_PACKAGES.matcher(n).matches()) {
                    names.add(n);
                }
            }
            names.sort(null);
            for (String n : names) {
                try (InputStream in = zip.getInputStream(zip.getEntry(n))) {
                    docs.add(doc(
                            "jdk/" + n, "openjdk-17-source", new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    private static Document doc(String id, String source, String text) {
        CRC32 crc = new CRC32();
        crc.update(id.getBytes(StandardCharsets.UTF_8));
        return new Document(id, source, text, crc.getValue() % 20 == 0);
    }
}
