package io.rasd.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.engine.VerifyCostCurve;
import io.rasd.model.CausalLm;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "cost",
        mixinStandardHelpOptions = true,
        description = "Measure the verify cost curve t(n)/t(1): one target forward over n tokens vs one token; with"
                + " --draft HEAD, also an EAGLE head's forward over n tree nodes against the target's t(1).")
final class CostCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--context", defaultValue = "128", paramLabel = "N", description = "Cached context length")
    int context;

    @Option(
            names = "--sizes",
            defaultValue = "1,2,4,8,16,32,64",
            paramLabel = "1,2,4",
            description = "Token counts to time (must include 1)")
    String sizes;

    @Option(names = "--repeats", defaultValue = "20", paramLabel = "R", description = "Timed forwards per size")
    int repeats;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Option(
            names = "--draft",
            paramLabel = "HEAD",
            description = "An EAGLE head for the model: also time one head forward over n tree nodes (a drafting"
                    + " depth: forward, top-k probabilities, outputs copied) and give it as a share of t(1)")
    java.nio.file.Path draft;

    @Override
    public Integer call() {
        int[] n = PromptIds.parse(sizes);
        if (java.util.Arrays.stream(n).noneMatch(x -> x == 1)
                || java.util.Arrays.stream(n).anyMatch(x -> x < 1)) {
            throw new RasdException("--sizes must be positive and include 1, got " + sizes);
        }
        if (repeats < 1 || context < 1) {
            throw new RasdException("--repeats and --context must be >= 1");
        }
        try (CausalLm lm = modelOptions.load()) {
            int largest = java.util.Arrays.stream(n).max().getAsInt();
            if (context + largest > lm.contextLimit()) {
                throw new RasdException("--context " + context + " + largest size " + largest
                        + " exceeds the context window " + lm.contextLimit());
            }
            VerifyCostCurve curve = VerifyCostCurve.measure(lm, context, n, repeats);
            double[] head = null;
            if (draft != null) {
                try (EagleDrafter d = EagleDrafter.load(draft, lm, lm.config().vocabSize())) {
                    head = HeadCost.measure(lm, d.head(), context, n, repeats);
                }
            }
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("model", modelOptions.model.toString());
                o.addProperty("parameters", lm.config().parameterCount());
                o.addProperty("context", context);
                JsonArray rows = new JsonArray();
                for (int i = 0; i < n.length; i++) {
                    JsonObject r = new JsonObject();
                    r.addProperty("n", n[i]);
                    r.addProperty("seconds", curve.seconds()[i]);
                    r.addProperty("ratio", curve.ratio(n[i]));
                    if (head != null) {
                        r.addProperty("head_seconds", head[i]);
                        r.addProperty("head_share_of_t1", head[i] / curve.seconds()[indexOfOne(n)]);
                    }
                    rows.add(r);
                }
                o.add("curve", rows);
                System.out.println(o);
            } else {
                System.out.printf(
                        "%s (%.1fM parameters), context %d%n",
                        modelOptions.model, lm.config().parameterCount() / 1e6, context);
                System.out.println("    n   ms/forward   t(n)/t(1)" + (head != null ? "   head ms   head/t(1)" : ""));
                for (int i = 0; i < n.length; i++) {
                    System.out.printf("%5d %12.2f %11.2f", n[i], curve.seconds()[i] * 1e3, curve.ratio(n[i]));
                    if (head != null) {
                        System.out.printf(
                                " %9.2f %10.0f%%", head[i] * 1e3, 100 * head[i] / curve.seconds()[indexOfOne(n)]);
                    }
                    System.out.println();
                }
            }
        }
        return 0;
    }

    private static int indexOfOne(int[] sizes) {
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == 1) {
                return i;
            }
        }
        throw new IllegalStateException("sizes include 1");
    }
}
