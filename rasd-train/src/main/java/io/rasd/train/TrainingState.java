package io.rasd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.model.DType;
import io.rasd.model.SafeTensorsFile;
import io.rasd.model.SafeTensorsWriter;
import io.rasd.model.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A trainer's resumable checkpoint, shared by {@link LlamaTrainer} and {@link EagleHeadTrainer}: weights and AdamW
 * moments in f32 ({@code state.safetensors}), then {@code state.json} with the step and the caller's fields (data
 * cursor, elapsed time), each written to a temporary file and moved into place, {@code state.json} last, so a run
 * killed while saving leaves the previous checkpoint readable.
 */
final class TrainingState {

    private TrainingState() {}

    static void save(
            Path dir,
            Map<String, NDArray> params,
            Map<String, NDArray> adamM,
            Map<String, NDArray> adamV,
            int step,
            JsonObject extra) {
        try {
            Files.createDirectories(dir);
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (String name : params.keySet()) {
                long[] shape = params.get(name).getShape().getShape();
                w.put("param." + name, DType.F32, shape, params.get(name).toFloatArray());
                w.put("adam_m." + name, DType.F32, shape, adamM.get(name).toFloatArray());
                w.put("adam_v." + name, DType.F32, shape, adamV.get(name).toFloatArray());
            }
            w.put("step", DType.F32, new long[] {1}, new float[] {step});
            atomicWrite(dir.resolve("state.safetensors"), w);
            JsonObject state = extra.deepCopy();
            state.addProperty("step", step);
            Path tmp = dir.resolve("state.json.tmp");
            Files.writeString(tmp, state + "\n");
            Files.move(tmp, dir.resolve("state.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores what {@link #save} wrote: each parameter through {@code setParam} (which resets its moments), then
     * the moments; returns {@code state.json}, whose {@code step} the caller adopts.
     */
    static JsonObject load(
            Path dir,
            Map<String, NDArray> params,
            Map<String, NDArray> adamM,
            Map<String, NDArray> adamV,
            BiConsumer<String, float[]> setParam) {
        JsonObject state;
        try {
            state = JsonParser.parseString(Files.readString(dir.resolve("state.json")))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("state.safetensors"))) {
            int savedStep = (int) floats(f.tensor("step"), 1)[0];
            if (savedStep != state.get("step").getAsInt()) {
                throw new RasdException(dir + ": state.json says step " + state.get("step") + " but"
                        + " state.safetensors holds step " + savedStep + " (interrupted while saving?)");
            }
            for (String name : List.copyOf(params.keySet())) {
                Shape shape = params.get(name).getShape();
                long n = shape.size();
                setParam.accept(name, floats(f.tensor("param." + name), n));
                adamM.get(name).set(floats(f.tensor("adam_m." + name), n));
                adamV.get(name).set(floats(f.tensor("adam_v." + name), n));
            }
        }
        return state;
    }

    /**
     * Reads weights saved in HF layout ({@code [out, in]}) into a trainer's {@code [in, out]} parameters: for every
     * parameter name, the file's tensor (transposed when 2-D and not in {@code asStored}) goes to {@code setParam}.
     */
    static void loadHfLayout(
            Path file,
            Map<String, NDArray> params,
            java.util.Set<String> asStored,
            BiConsumer<String, float[]> setParam) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String name : List.copyOf(params.keySet())) {
                if (!f.contains(name)) {
                    throw new RasdException(file + ": missing tensor \"" + name + "\"");
                }
                long[] shape = params.get(name).getShape().getShape();
                float[] values = floats(f.tensor(name), params.get(name).size());
                if (shape.length == 2 && !asStored.contains(name)) {
                    values = transpose(values, (int) shape[1], (int) shape[0]);
                }
                setParam.accept(name, values);
            }
        }
    }

    static void atomicWrite(Path file, SafeTensorsWriter w) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        w.write(tmp);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A tensor's values widened to f32, after checking its element count. */
    static float[] floats(TensorData t, long expected) {
        if (t.elementCount() != expected) {
            throw new RasdException(t.file() + ": tensor \"" + t.name() + "\" has shape " + t.shapeString()
                    + "; expected " + expected + " values");
        }
        FloatBuffer fb = t.toF32().asFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    /** A row-major {@code [rows, cols]} matrix as {@code [cols, rows]} (HF's {@code [out, in]} ↔ the trainers'). */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
