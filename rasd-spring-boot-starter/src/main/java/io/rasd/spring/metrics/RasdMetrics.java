package io.rasd.spring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationEvent;
import io.rasd.engine.GenerationObserver;
import io.rasd.engine.GenerationResult;
import io.rasd.engine.GenerationStats;
import io.rasd.engine.PrefixCache;
import io.rasd.engine.RasdEngine;
import io.rasd.tree.TokenOrigin;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records every generation of an engine in a {@link MeterRegistry}.
 *
 * <p>OpenTelemetry GenAI semantic-convention meters, tagged {@code gen_ai.operation.name=chat},
 * {@code gen_ai.provider.name=rasd}, {@code gen_ai.request.model}: {@value #TOKEN_USAGE} ({@code gen_ai.token.type}
 * input / output), {@value #OPERATION_DURATION} (with {@code error.type} when it failed), {@value #TIME_TO_FIRST_TOKEN}
 * and {@value #TIME_PER_OUTPUT_TOKEN}.
 *
 * <p>Speculation meters under {@code rasd.}: {@value #ACCEPTED_PER_FORWARD} (tokens committed per target forward, τ,
 * per step, tagged by mode), {@value #ACCEPTED_TOKENS} (committed tokens by {@code source}: draft, pld, datastore,
 * target), {@value #PHASE_TIME} (per generation, {@code phase}: prefill, draft, retrieval, verify),
 * {@value #FALLBACKS} (switches to plain decoding because speculation did not pay), and gauges for the datastore
 * ({@value #DATASTORE_DOCUMENTS}, {@value #DATASTORE_TOKENS}), the engine's load ({@value #RUNNING},
 * {@value #QUEUED}) and the prefix KV cache ({@value #PREFIX_CACHE_LOOKUPS} by {@code result} hit / miss,
 * {@value #PREFIX_CACHE_REUSED_TOKENS}, {@value #PREFIX_CACHE_EVICTIONS}, {@value #PREFIX_CACHE_SIZE},
 * {@value #PREFIX_CACHE_BLOCKS}).
 */
public class RasdMetrics implements GenerationObserver, AutoCloseable {

    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    public static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
    public static final String TIME_PER_OUTPUT_TOKEN = "gen_ai.server.time_per_output_token";
    public static final String ACCEPTED_PER_FORWARD = "rasd.speculation.accepted.per.forward";
    public static final String ACCEPTED_TOKENS = "rasd.speculation.accepted.tokens";
    public static final String PHASE_TIME = "rasd.generation.phase.time";
    public static final String FALLBACKS = "rasd.speculation.fallbacks";
    public static final String DATASTORE_DOCUMENTS = "rasd.datastore.documents";
    public static final String DATASTORE_TOKENS = "rasd.datastore.tokens";
    public static final String RUNNING = "rasd.generations.running";
    public static final String PREFIX_CACHE_LOOKUPS = "rasd.prefix.cache.lookups";
    public static final String PREFIX_CACHE_REUSED_TOKENS = "rasd.prefix.cache.reused.tokens";
    public static final String PREFIX_CACHE_EVICTIONS = "rasd.prefix.cache.evictions";
    public static final String PREFIX_CACHE_SIZE = "rasd.prefix.cache.size";
    public static final String PREFIX_CACHE_BLOCKS = "rasd.prefix.cache.blocks";
    public static final String QUEUED = "rasd.generations.queued";

    static final String OPERATION = "chat";
    static final String PROVIDER = "rasd";

    private final MeterRegistry registry;
    private final AutoCloseable registration;
    private final Tags common;
    private final Map<DecodingMode, DistributionSummary> tauByMode = new ConcurrentHashMap<>();

    public RasdMetrics(RasdEngine engine, MeterRegistry registry) {
        this.registry = registry;
        this.common = Tags.of(
                "gen_ai.operation.name",
                OPERATION,
                "gen_ai.provider.name",
                PROVIDER,
                "gen_ai.request.model",
                engine.modelName());
        TokenDatastore datastore = engine.datastore();
        if (datastore != null) {
            Gauge.builder(DATASTORE_DOCUMENTS, datastore, TokenDatastore::documentCount)
                    .description("Documents in the token datastore")
                    .baseUnit("documents")
                    .register(registry);
            Gauge.builder(DATASTORE_TOKENS, datastore, TokenDatastore::tokenCount)
                    .description("Tokens in the token datastore")
                    .baseUnit("tokens")
                    .register(registry);
        }
        PrefixCache cache = engine.prefixCache();
        if (cache != null) {
            FunctionCounter.builder(PREFIX_CACHE_LOOKUPS, cache, c -> c.stats().hits())
                    .tag("result", "hit")
                    .description("Prompts whose prefix KV rows were restored from the cache")
                    .register(registry);
            FunctionCounter.builder(PREFIX_CACHE_LOOKUPS, cache, c -> c.stats().misses())
                    .tag("result", "miss")
                    .description("Prompts encoded from scratch")
                    .register(registry);
            FunctionCounter.builder(
                            PREFIX_CACHE_REUSED_TOKENS, cache, c -> c.stats().reusedTokens())
                    .description("Prompt tokens restored instead of encoded")
                    .baseUnit("tokens")
                    .register(registry);
            FunctionCounter.builder(
                            PREFIX_CACHE_EVICTIONS, cache, c -> c.stats().evictions())
                    .description("Cached blocks evicted to stay within the size bound")
                    .register(registry);
            Gauge.builder(PREFIX_CACHE_SIZE, cache, c -> c.stats().bytes())
                    .description("Memory held by cached keys and values")
                    .baseUnit("bytes")
                    .register(registry);
            Gauge.builder(PREFIX_CACHE_BLOCKS, cache, c -> c.stats().entries())
                    .description("Cached blocks of KV rows")
                    .register(registry);
        }
        Gauge.builder(RUNNING, engine, RasdEngine::runningGenerations)
                .description("Generations running now")
                .register(registry);
        Gauge.builder(QUEUED, engine, RasdEngine::queuedGenerations)
                .description("Generations waiting for a slot")
                .register(registry);
        this.registration = engine.addObserver(this);
    }

    @Override
    public void onStep(DecodingMode mode, int committedTokens, boolean speculated) {
        if (speculated) {
            // once per decoding step: looked up in a small map, not re-registered
            tauByMode
                    .computeIfAbsent(
                            mode,
                            m -> DistributionSummary.builder(ACCEPTED_PER_FORWARD)
                                    .description("Tokens committed per target forward of a speculative step (tau)")
                                    .baseUnit("tokens")
                                    .tags("mode", m.cliName())
                                    .register(registry))
                    .record(committedTokens);
        }
    }

    @Override
    public void onGeneration(GenerationEvent event) {
        Tags tags = common;
        Timer.Builder duration = Timer.builder(OPERATION_DURATION)
                .description("GenAI operation duration")
                .tags(tags);
        if (!event.succeeded()) {
            duration.tag("error.type", event.failure().getClass().getName())
                    .register(registry)
                    .record(seconds(event.totalSeconds()));
            return;
        }
        duration.register(registry).record(seconds(event.totalSeconds()));
        GenerationResult result = event.result();
        GenerationStats s = result.stats();
        tokens("input", s.promptTokens(), tags);
        tokens("output", s.generatedTokens(), tags);
        if (!Double.isNaN(event.firstTokenSeconds())) {
            Timer.builder(TIME_TO_FIRST_TOKEN)
                    .description("Time to generate the first token")
                    .tags(tags)
                    .register(registry)
                    .record(seconds(event.firstTokenSeconds()));
        }
        if (s.generatedTokens() > 1) {
            // after the first token: the decoding rate a streaming client sees
            double perToken = (event.totalSeconds() - event.firstTokenSeconds()) / (s.generatedTokens() - 1);
            Timer.builder(TIME_PER_OUTPUT_TOKEN)
                    .description("Time per output token after the first")
                    .tags(tags)
                    .register(registry)
                    .record(seconds(perToken));
        }
        String mode = event.request().mode().cliName();
        for (TokenOrigin origin : TokenOrigin.values()) {
            int n = s.accepted(origin);
            if (n > 0) {
                Counter.builder(ACCEPTED_TOKENS)
                        .description("Committed tokens by the source that proposed them")
                        .tags(tags)
                        .tags("mode", mode, "source", origin.name().toLowerCase(Locale.ROOT))
                        .register(registry)
                        .increment(n);
            }
        }
        phase("prefill", s.prefillSeconds(), tags, mode);
        phase("draft", s.draftSeconds(), tags, mode);
        phase("retrieval", s.retrievalSeconds(), tags, mode);
        phase("verify", s.verifySeconds(), tags, mode);
        if (s.fallbacks() > 0) {
            Counter.builder(FALLBACKS)
                    .description("Switches to plain decoding because speculation did not pay")
                    .tags(tags)
                    .tag("mode", mode)
                    .register(registry)
                    .increment(s.fallbacks());
        }
    }

    private void tokens(String type, int n, Tags tags) {
        DistributionSummary.builder(TOKEN_USAGE)
                .description("Measures number of input and output tokens used")
                .baseUnit("{token}")
                .tags(tags)
                .tag("gen_ai.token.type", type)
                .register(registry)
                .record(n);
    }

    private void phase(String phase, double secs, Tags tags, String mode) {
        Timer.builder(PHASE_TIME)
                .description("Time a generation spent in each decoding phase")
                .tags(tags)
                .tags("mode", mode, "phase", phase)
                .register(registry)
                .record(seconds(secs));
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (Math.max(0, s) * TimeUnit.SECONDS.toNanos(1)));
    }

    /** Stops recording (the meters stay registered). */
    @Override
    public void close() throws Exception {
        registration.close();
    }
}
