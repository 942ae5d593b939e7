package io.rasd.train;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One AdamW update (β 0.9/0.95, ε 1e-8) with global gradient-norm clipping and decoupled weight decay on matrices
 * only, shared by the trainers of the demo models ({@link LlamaTrainer}) and of EAGLE heads ({@link EagleHeadTrainer}).
 */
final class AdamW {

    private AdamW() {}

    /**
     * Updates every parameter of {@code params} in place from its gradient, with the moments {@code adamM} /
     * {@code adamV} (same keys) at optimizer step {@code step} (1-based, for the bias correction), and clears the
     * gradients (they accumulate in PyTorch).
     */
    static void step(
            Map<String, NDArray> params,
            Map<String, NDArray> adamM,
            Map<String, NDArray> adamV,
            int step,
            double lr,
            double weightDecay,
            double clipNorm) {
        double b1 = 0.9;
        double b2 = 0.95;
        double eps = 1e-8;
        Map<String, NDArray> grads = new LinkedHashMap<>();
        double sq = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = e.getValue().getGradient();
            grads.put(e.getKey(), g);
            try (NDArray square = g.square();
                    NDArray s = square.sum()) {
                sq += s.getFloat();
            }
        }
        double norm = Math.sqrt(sq);
        float clip = (float) (norm > clipNorm ? clipNorm / norm : 1.0);
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = grads.get(name);
            NDArray m = adamM.get(name);
            NDArray v = adamV.get(name);
            g.muli(clip);
            try (NDArray g1 = g.mul((float) (1 - b1));
                    NDArray g2 = g.square()) {
                m.muli((float) b1).addi(g1);
                v.muli((float) b2).addi(g2.muli((float) (1 - b2)));
            }
            // decoupled weight decay on matrices only (norm gains stay at their scale)
            if (p.getShape().dimension() == 2 && weightDecay > 0) {
                p.muli((float) (1 - lr * weightDecay));
            }
            try (NDArray vhat = v.div((float) bc2);
                    NDArray denom = vhat.sqrt();
                    NDArray upd = m.div((float) bc1)) {
                denom.addi((float) eps);
                upd.divi(denom).muli((float) lr);
                p.subi(upd);
            }
            g.muli(0f); // gradients accumulate in PyTorch: clear for the next step
            g.close(); // the wrapper only; the parameter keeps its gradient buffer
        }
    }
}
