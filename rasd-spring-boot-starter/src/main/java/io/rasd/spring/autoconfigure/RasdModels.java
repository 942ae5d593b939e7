package io.rasd.spring.autoconfigure;

import io.rasd.model.CausalLm;
import io.rasd.model.EagleHead;

/**
 * The models the auto-configured engine runs, as one bean so they outlive the engine: Spring destroys the engine
 * (which depends on this bean) first, then closes the models.
 *
 * @param draft the standalone draft model {@code rasd.draft.path} names, or null
 * @param eagleHead the EAGLE head {@code rasd.draft.path} names instead, or null
 */
public record RasdModels(CausalLm target, CausalLm draft, EagleHead eagleHead) implements AutoCloseable {

    /** Target and standalone draft model (or none). */
    public RasdModels(CausalLm target, CausalLm draft) {
        this(target, draft, null);
    }

    @Override
    public void close() {
        try {
            if (draft != null) {
                draft.close();
            }
            if (eagleHead != null) {
                eagleHead.close();
            }
        } finally {
            target.close();
        }
    }
}
