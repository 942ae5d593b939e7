package io.rasd.springai;

import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import io.rasd.constrain.GrammarCache;

/**
 * Spring AI's native structured output ({@link RasdSpringAiChatOptions#getOutputSchema()}, which {@code ChatClient}
 * fills from an {@code entity(...)} type's {@code BeanOutputConverter} schema) as the grammar of constrained decoding.
 * Schemas go through a {@link GrammarCache}: the client sends the same schema text with every call, and the engine
 * keeps its masks per grammar object.
 */
final class OutputSchemas {

    private final GrammarCache grammars = new GrammarCache();

    /**
     * The constraint for this schema, or null for none.
     *
     * @throws IllegalArgumentException when the schema is not JSON or uses a keyword constrained decoding does not
     *     support (the message names its JSON pointer)
     */
    Grammar grammar(String outputSchema) {
        if (outputSchema == null || outputSchema.isBlank()) {
            return null;
        }
        try {
            return grammars.jsonSchema(outputSchema);
        } catch (RasdException e) {
            throw new IllegalArgumentException(
                    "outputSchema cannot be used for constrained decoding: " + e.getMessage(), e);
        }
    }
}
