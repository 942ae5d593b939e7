package io.rasd.engine;

/**
 * When a call started, got its generation slot and committed its first token (nanoTime; 0 = not yet), for the
 * {@link GenerationEvent} observers receive.
 */
final class GenerationTiming {

    private final long start = System.nanoTime();
    private long admitted;
    private volatile long firstToken;

    /** The call got its slot: the queue wait ends. */
    void admitted() {
        admitted = System.nanoTime();
    }

    /** {@code listener}, noting when the first token reaches it. */
    GenerationListener timing(GenerationListener listener) {
        return (tokens, origins, text) -> {
            if (tokens.length > 0 && firstToken == 0) {
                firstToken = System.nanoTime();
            }
            listener.onTokens(tokens, origins, text);
        };
    }

    /** The event of a call that ends now, with a result or a failure. */
    GenerationEvent event(String model, GenerationRequest request, GenerationResult result, Throwable failure) {
        long end = System.nanoTime();
        double queue = admitted == 0 ? (end - start) / 1e9 : (admitted - start) / 1e9;
        double first = firstToken == 0 ? Double.NaN : (firstToken - start) / 1e9;
        return new GenerationEvent(model, request, result, failure, queue, first, (end - start) / 1e9);
    }
}
