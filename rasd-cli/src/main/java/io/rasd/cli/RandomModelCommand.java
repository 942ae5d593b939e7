package io.rasd.cli;

import io.rasd.model.DType;
import io.rasd.model.RandomCheckpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "random-model",
        mixinStandardHelpOptions = true,
        description = "Write a random-init Llama checkpoint of a given shape (for cost measurements and tests).")
final class RandomModelCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--vocab", defaultValue = "512")
    int vocab;

    @Option(names = "--hidden", defaultValue = "512")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "1376")
    int intermediate;

    @Option(names = "--layers", defaultValue = "6")
    int layers;

    @Option(names = "--heads", defaultValue = "8")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "8")
    int kvHeads;

    @Option(names = "--max-positions", defaultValue = "2048")
    int maxPositions;

    @Option(names = "--tied")
    boolean tied;

    @Option(names = "--dtype", defaultValue = "F32", description = "F32, F16 or BF16")
    DType dtype;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(
            names = "--residual-scale",
            defaultValue = "1.0",
            description = "Scale of attention/MLP updates; small values give a model whose output cycles")
    double residualScale;

    @Option(names = "--tokenizer-from", paramLabel = "DIR", description = "Copy tokenizer files from this model")
    Path tokenizerFrom;

    @Override
    public Integer call() {
        RandomCheckpoint.llama()
                .vocab(vocab)
                .hidden(hidden)
                .intermediate(intermediate)
                .layers(layers)
                .heads(heads, kvHeads)
                .maxPositions(maxPositions)
                .tied(tied)
                .dtype(dtype)
                .seed(seed)
                .residualScale(residualScale)
                .tokenizerFrom(tokenizerFrom)
                .writeTo(out);
        System.out.println("wrote " + out);
        return 0;
    }
}
