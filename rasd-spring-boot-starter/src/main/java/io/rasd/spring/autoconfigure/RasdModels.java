package io.rasd.spring.autoconfigure;

import io.rasd.model.CausalLm;

/**
 * The models the auto-configured engine runs, as one bean so they outlive the engine: Spring destroys the engine
 * (which depends on this bean) first, then closes the models.
 *
 * @param draft null without {@code rasd.draft.path}
 */
public record RasdModels(CausalLm target, CausalLm draft) implements AutoCloseable {

    @Override
    public void close() {
        try {
            if (draft != null) {
                draft.close();
            }
        } finally {
            target.close();
        }
    }
}
