package io.rasd.peers.jlama;

import ai.djl.Device;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.RasdEngine;
import io.rasd.model.CausalLm;
import io.rasd.peers.PeerGeneration;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * A rough measurement, not a test: median tokens/s of jlama and of rasd's plain AR decoding on one checkpoint, both
 * timed over the whole request (prefill included), after a warm-up. Run with jlama's JVM flags:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -Djlama.force_panama_tensor_operations=true -Dai.djl.offline=true \
 *     -cp rasd-peers-jlama/target/classes:rasd-peers-jlama/target/test-classes:$(deps) \
 *     io.rasd.peers.jlama.JlamaTimingBench models/demo-target [tokens] [runs] [threads] [both|rasd|jlama|rasd-alone]
 * </pre>
 */
public final class JlamaTimingBench {

    private JlamaTimingBench() {}

    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "models/demo-target");
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int threads = args.length > 3
                ? Integer.parseInt(args[3])
                : Runtime.getRuntime().availableProcessors();
        // "rasd" or "jlama" times only that one (the other is still loaded); "rasd-alone" does not load jlama
        String only = args.length > 4 ? args[4] : "both";
        if (only.equals("rasd-alone")) {
            rasdAlone(dir, tokens, runs);
            return;
        }
        String text = "The quick brown fox jumps over the lazy dog, and then it runs back into the forest to find"
                + " its den.";
        try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(dir);
                RasdEngine engine =
                        RasdEngine.builder().target(lm).tokenizer(tok).build();
                JlamaPeer jlama = (JlamaPeer) new JlamaPeerProvider().open(dir, null, threads, null)) {
            int[] prompt = tok.encode(text, true);
            double[] rasd = new double[runs];
            double[] peer = new double[runs];
            int rasdTokens = 0;
            boolean timeRasd = !only.equals("jlama");
            boolean timeJlama = !only.equals("rasd");
            for (int warm = 0; warm < 3; warm++) {
                if (timeRasd) {
                    engine.generate(GenerationRequest.greedy(prompt, tokens));
                }
                if (timeJlama) {
                    jlama.greedy(prompt, tokens);
                }
            }
            // interleaved, so that load from other processes falls on both alike
            for (int r = 0; r < runs; r++) {
                if (timeRasd) {
                    long t0 = System.nanoTime();
                    GenerationResult ar = engine.generate(GenerationRequest.greedy(prompt, tokens));
                    double s = (System.nanoTime() - t0) / 1e9;
                    rasdTokens = ar.tokens().length;
                    rasd[r] = rasdTokens / s;
                }
                if (timeJlama) {
                    PeerGeneration g = jlama.greedy(prompt, tokens);
                    peer[r] = g.tokensPerSecond();
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s, prompt %d tokens, %d new, %d runs, %d cpus%n",
                    dir.getFileName(),
                    prompt.length,
                    tokens,
                    runs,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(
                    Locale.ROOT,
                    "rasd ar: median %.1f tokens/s (%d tokens; runs %s)%n",
                    median(rasd),
                    rasdTokens,
                    fmt(rasd));
            System.out.printf(
                    Locale.ROOT,
                    "%s, %d threads: median %.1f tokens/s (runs %s)%n",
                    jlama.name(),
                    jlama.threads(),
                    median(peer),
                    fmt(peer));
        }
    }

    /** rasd with no jlama in the JVM: whether jlama's threads, idle or not, slow rasd down. */
    private static void rasdAlone(Path dir, int tokens, int runs) {
        try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(dir);
                RasdEngine engine =
                        RasdEngine.builder().target(lm).tokenizer(tok).build()) {
            int[] prompt = tok.encode(
                    "The quick brown fox jumps over the lazy dog, and then it runs back into the"
                            + " forest to find its den.",
                    true);
            for (int warm = 0; warm < 3; warm++) {
                engine.generate(GenerationRequest.greedy(prompt, tokens));
            }
            double[] rasd = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                GenerationResult ar = engine.generate(GenerationRequest.greedy(prompt, tokens));
                rasd[r] = ar.tokens().length / ((System.nanoTime() - t0) / 1e9);
            }
            System.out.printf(Locale.ROOT, "rasd ar alone: median %.1f tokens/s (runs %s)%n", median(rasd), fmt(rasd));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", x));
        }
        return b.toString();
    }
}
