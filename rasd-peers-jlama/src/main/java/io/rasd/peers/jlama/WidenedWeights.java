package io.rasd.peers.jlama;

import com.github.tjake.jlama.model.DistributedContext;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.TensorInfo;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.FloatBufferTensor;
import com.github.tjake.jlama.tensor.TensorShape;
import java.util.Map;

/**
 * jlama's safetensors loader with bf16 and f16 tensors widened to f32 as they are loaded, which is what rasd does
 * with them. Not a choice of taste: jlama 0.8.4's bf16 matmul kernels step through a row 32 values at a time on
 * AVX-512 (16 on AVX2) with no tail, and jlama turns the Vector API's bounds checks off, so any dimension that is not
 * a multiple of that (the demo models' intermediate size, 688) silently reads past the row: the logits come out as
 * garbage or zeros, differently from run to run. Its default for a bf16 checkpoint (activations rounded to bf16 too)
 * does not get that far: it insists on multiples of 32 and throws. The f32 kernels step by the f32 vector length.
 */
final class WidenedWeights implements WeightLoader {

    private final WeightLoader loaded;

    WidenedWeights(WeightLoader loaded) {
        this.loaded = loaded;
    }

    @Override
    public Map<String, String> metadata() {
        return loaded.metadata();
    }

    @Override
    public Map<String, TensorInfo> tensorInfoMap() {
        return loaded.tensorInfoMap();
    }

    @Override
    public AbstractTensor load(String name, DistributedContext dctx, boolean sparseRows, boolean sparseColumns) {
        AbstractTensor t = loaded.load(name, dctx, sparseRows, sparseColumns);
        return t.dType() == DType.BF16 || t.dType() == DType.F16 ? widen(t) : t;
    }

    /** Every tensor comes out as f32, so that is the model's type as far as jlama is concerned. */
    @Override
    public DType getModelDType() {
        DType d = loaded.getModelDType();
        return d == DType.BF16 || d == DType.F16 ? DType.F32 : d;
    }

    @Override
    public void close() throws Exception {
        loaded.close();
    }

    /**
     * An exact copy (bf16 and f16 values are all f32 values) with the same shape, sparse range included: jlama marks
     * the tensors it loads for a layer as column or row ranges of the full matrix (the whole of it here) and indexes
     * them in the full matrix's coordinates.
     */
    private static AbstractTensor widen(AbstractTensor t) {
        TensorShape s = t.shape();
        FloatBufferTensor f = new FloatBufferTensor(s);
        int c0 = s.sparseColumnOffset();
        int c1 = c0 + s.sparseColumnLength();
        if (t.dims() == 1) {
            for (int c = c0; c < c1; c++) {
                f.set(t.get(c), c);
            }
        } else if (t.dims() == 2) {
            int r0 = s.sparseRowOffset();
            int r1 = r0 + s.sparseRowLength();
            if ((long) (r1 - r0) * (c1 - c0) != s.size()) {
                throw new IllegalStateException("jlama weight shape " + s + " holds " + s.size() + " values, not "
                        + (r1 - r0) + " x " + (c1 - c0));
            }
            for (int r = r0; r < r1; r++) {
                for (int c = c0; c < c1; c++) {
                    f.set(t.get(r, c), r, c);
                }
            }
        } else {
            throw new IllegalStateException("a Llama weight of " + t.dims() + " dimensions: " + s);
        }
        return f;
    }
}
