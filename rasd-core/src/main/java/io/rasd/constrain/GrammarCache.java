package io.rasd.constrain;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rasd.RasdException;

/**
 * Compiled grammars by schema text, for the adapters: LangChain4j's AiServices, Spring AI's ChatClient and OpenAI
 * clients send the same schema with every request, as a new object each time. Compiling it once matters less than
 * what hangs on the compiled {@link Grammar}: the engine caches allowed-token masks per grammar object, so handing it
 * the same object for the same schema keeps those masks warm from one request to the next. Thread-safe; a schema
 * that fails to compile is not cached (each request gets the error again).
 */
public final class GrammarCache {

    /** Distinct schemas kept; the engine keeps masks for at most as many grammars. */
    private static final int SCHEMAS = 64;

    private final Grammar jsonObject = Grammar.jsonObject();
    private final Cache<String, Grammar> schemas =
            Caffeine.newBuilder().maximumSize(SCHEMAS).executor(Runnable::run).build();

    /** JSON mode: any JSON object, always the same grammar object. */
    public Grammar jsonObject() {
        return jsonObject;
    }

    /**
     * {@link Grammar#jsonSchema} of this text, compiled on first use (schemas are keyed by their exact text).
     *
     * @throws RasdException as {@link Grammar#jsonSchema} does: not JSON, or a keyword outside the subset (the
     *     message names its JSON pointer)
     */
    public Grammar jsonSchema(String schema) {
        return schemas.get(schema, Grammar::jsonSchema);
    }
}
