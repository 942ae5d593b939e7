package io.rasd.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.draft.eagle.EagleHeadFormat;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.TopK;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "logits",
        mixinStandardHelpOptions = true,
        description =
                "Raw next-token logits (before any processing) at every prompt position, best first; with --draft, an"
                        + " EAGLE head's teacher-forced logits.")
final class LogitsCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--prompt-ids", required = true, paramLabel = "1,2,3", description = "Token ids, used verbatim")
    String promptIds;

    @Option(names = "--top", defaultValue = "10", paramLabel = "K", description = "Logits per position")
    int top;

    @Option(names = "--json", description = "Print JSON (the only output format)")
    boolean json;

    @Option(
            names = "--draft",
            paramLabel = "HEAD",
            description = "An EAGLE head for the model: print the head's teacher-forced logits instead (n-1 positions;"
                    + " position i reads token i+1 with the model's feature at token i and predicts token i+2; an"
                    + " EAGLE-3 head's draft-vocabulary columns are printed as the target ids they map to)")
    Path draft;

    @Override
    public Integer call() {
        if (top < 1) {
            throw new RasdException("--top must be >= 1, got " + top);
        }
        int[] ids = PromptIds.parse(promptIds);
        try (CausalLm lm = modelOptions.load()) {
            if (ids.length > lm.contextLimit()) {
                throw new RasdException(
                        "--prompt-ids has " + ids.length + " tokens; the context window is " + lm.contextLimit());
            }
            if (draft != null && !EagleHeadFormat.looksLikeEagleHead(draft)) {
                throw new RasdException("--draft " + draft + " is not an EAGLE head (logits prints a head's"
                        + " teacher-forced logits; for a standalone draft model run logits --model " + draft + ")");
            }
            JsonArray positions = new JsonArray();
            try (EagleDrafter head = draft == null
                            ? null
                            : EagleDrafter.load(draft, lm, lm.config().vocabSize());
                    KvCache cache = lm.newCache();
                    Logits logits =
                            head == null ? lm.forward(cache, ids) : head.head().teacherForced(ids)) {
                for (TopK t : logits.topK(top)) {
                    JsonObject p = new JsonObject();
                    JsonArray tid = new JsonArray();
                    JsonArray tl = new JsonArray();
                    for (int i = 0; i < t.ids().length; i++) {
                        // an EAGLE-3 head scores its own draft vocabulary: print the target ids those columns map to
                        tid.add(head == null ? t.ids()[i] : head.head().targetId(t.ids()[i]));
                        tl.add(t.values()[i]);
                    }
                    p.add("top_ids", tid);
                    p.add("top_logits", tl);
                    positions.add(p);
                }
            }
            JsonObject o = new JsonObject();
            o.add("positions", positions);
            System.out.println(o);
        }
        return 0;
    }
}
