package io.rasd.spring.autoconfigure;

import io.rasd.engine.DecodingMode;
import io.rasd.engine.SpeculationOverrides;
import io.rasd.text.tools.ToolCallFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code rasd.*} properties. Every field's comment is what an IDE shows for its key (the configuration processor
 * copies it into {@code META-INF/spring-configuration-metadata.json}); initial values are the defaults it shows.
 */
@ConfigurationProperties("rasd")
public class RasdProperties {

    /** Whether to auto-configure the rasd engine at all. */
    private boolean enabled = true;

    /**
     * Where to run the models: "auto" (the GPU when DJL finds CUDA, otherwise the CPU), "cpu" or "gpu".
     */
    private String device = "auto";

    /**
     * Element type of weights and KV cache: "auto" (a bf16/f16 checkpoint stays bf16 where the CPU has native bf16,
     * AVX512-BF16 or AMX, and is widened to f32 otherwise; the log says which), "f32", "bf16" or "f16". bf16 and f16
     * halve the memory of weights and KV cache; on a CPU without native bf16 they run slower than f32.
     */
    private String dtype = "auto";

    /**
     * Decoding mode of the chat models: ar, draft, pld, datastore, rasd-pld, rasd-datastore or rasd. Unset: the
     * fullest mode the engine can run (rasd with a draft model, pld without one). Every mode produces the same
     * output; they differ in speed.
     */
    private DecodingMode mode;

    /**
     * Model name the chat models (LangChain4j and Spring AI) report and accept in requests; unset: the target
     * directory's name.
     */
    private String modelName;

    /**
     * How the model writes tool calls, for requests that offer tools: hermes, llama3-json or mistral. Unset: detected
     * from the chat template (which shows the model the convention it was trained on).
     */
    private ToolCallFormat toolCallFormat;

    /**
     * Scan every weight tensor for NaN and infinite values at start-up (a corrupt download or a diverged training
     * run); a bad tensor fails start-up naming it. Costs one pass over the weights.
     */
    private boolean checkWeights = false;

    /** Cap on the context window in tokens (bounds KV-cache memory per generation); 0 = the model's own limit. */
    private int maxContext = 0;

    /**
     * Check at start-up that the weights and the KV caches of max-context x max-concurrent-generations fit the
     * process's physical memory (or container limit) beside the maximum heap, and the prefix cache the heap; start-up
     * fails with a report naming the properties otherwise.
     */
    private boolean checkMemory = true;

    public boolean isCheckMemory() {
        return checkMemory;
    }

    public void setCheckMemory(boolean checkMemory) {
        this.checkMemory = checkMemory;
    }

    private final Model target = new Model();

    private final Model draft = new Model();

    private final Generation generation = new Generation();

    private final Speculation speculation = new Speculation();

    private final Concurrency concurrency = new Concurrency();

    private final Datastore datastore = new Datastore();

    private final Rag rag = new Rag();

    private final Langchain4j langchain4j = new Langchain4j();

    private final PrefixCache prefixCache = new PrefixCache();

    private final SpringAi springAi = new SpringAi();

    private final Feed feed = new Feed();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getDevice() {
        return device;
    }

    public void setDevice(String device) {
        this.device = device;
    }

    public String getDtype() {
        return dtype;
    }

    public void setDtype(String dtype) {
        this.dtype = dtype;
    }

    public DecodingMode getMode() {
        return mode;
    }

    public void setMode(DecodingMode mode) {
        this.mode = mode;
    }

    public ToolCallFormat getToolCallFormat() {
        return toolCallFormat;
    }

    public void setToolCallFormat(ToolCallFormat toolCallFormat) {
        this.toolCallFormat = toolCallFormat;
    }

    public String getModelName() {
        return modelName;
    }

    public void setModelName(String modelName) {
        this.modelName = modelName;
    }

    public boolean isCheckWeights() {
        return checkWeights;
    }

    public void setCheckWeights(boolean checkWeights) {
        this.checkWeights = checkWeights;
    }

    public int getMaxContext() {
        return maxContext;
    }

    public void setMaxContext(int maxContext) {
        this.maxContext = maxContext;
    }

    public Model getTarget() {
        return target;
    }

    public Model getDraft() {
        return draft;
    }

    public Generation getGeneration() {
        return generation;
    }

    public Speculation getSpeculation() {
        return speculation;
    }

    public Concurrency getConcurrency() {
        return concurrency;
    }

    public Datastore getDatastore() {
        return datastore;
    }

    public Rag getRag() {
        return rag;
    }

    public Langchain4j getLangchain4j() {
        return langchain4j;
    }

    public PrefixCache getPrefixCache() {
        return prefixCache;
    }

    public Feed getFeed() {
        return feed;
    }

    public SpringAi getSpringAi() {
        return springAi;
    }

    /** A HuggingFace model directory. */
    public static class Model {

        /**
         * HuggingFace model directory: config.json, model.safetensors (or an index of shards), tokenizer.json and
         * optionally tokenizer_config.json with the chat template. Required for the target; the draft model is
         * optional and must share the target's tokenizer.
         */
        private Path path;

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }
    }

    /** Defaults of every chat request; a request's own parameters override them. */
    public static class Generation {

        /** Most tokens generated per request; unset: up to the context window. */
        private Integer maxNewTokens;

        /** Sampling temperature; 0 means greedy decoding (the same output as plain greedy decoding). */
        private double temperature = 0;

        /** Sample only among the K most likely tokens; 0 = no limit. */
        private int topK = 0;

        /** Nucleus sampling: sample among the most likely tokens whose probabilities sum to P, in (0, 1]. */
        private double topP = 1;

        /** Random seed for sampling, for reproducible sampled output; unset: a fresh seed per request. */
        private Long seed;

        /** Strings that end the answer when generated (they are not part of the answer). */
        private List<String> stopSequences = new ArrayList<>();

        /**
         * How long one chat call may take, queue wait included; past it the generation stops at its next decoding
         * step, frees its slot, and the call fails with a timeout error (LangChain4j TimeoutException, Spring AI
         * RasdTimeoutException) after the text it already streamed. Unset: no limit.
         */
        private Duration timeout;

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public Integer getMaxNewTokens() {
            return maxNewTokens;
        }

        public void setMaxNewTokens(Integer maxNewTokens) {
            this.maxNewTokens = maxNewTokens;
        }

        public double getTemperature() {
            return temperature;
        }

        public void setTemperature(double temperature) {
            this.temperature = temperature;
        }

        public int getTopK() {
            return topK;
        }

        public void setTopK(int topK) {
            this.topK = topK;
        }

        public double getTopP() {
            return topP;
        }

        public void setTopP(double topP) {
            this.topP = topP;
        }

        public Long getSeed() {
            return seed;
        }

        public void setSeed(Long seed) {
            this.seed = seed;
        }

        public List<String> getStopSequences() {
            return stopSequences;
        }

        public void setStopSequences(List<String> stopSequences) {
            this.stopSequences = stopSequences;
        }
    }

    /**
     * Speculation knobs; with adaptive control on, the budgets and depth are upper bounds. Each unset key keeps the
     * engine's default (SpeculationConfig.DEFAULT, where the knobs' ranges and defaults are declared; the defaults an
     * IDE shows come from additional-spring-configuration-metadata.json, which ConfigurationMetadataTest holds equal
     * to them).
     */
    public static class Speculation {

        /**
         * Choose tree budget and draft depth from the measured verify cost and the observed acceptance, and fall
         * back to plain decoding while speculation does not pay. Off: the hand-set values below as given.
         */
        private Boolean adaptive;

        /** Most proposed tokens verified per target forward. */
        private Integer treeBudget;

        /** Most draft-model forwards per decoding step. */
        private Integer draftDepth;

        /** Draft frontier width and children per expanded draft node. */
        private Integer draftTopK;

        /** Draft-tree nodes kept before fusion with the retrieval trees. */
        private Integer draftBudget;

        /** Retrieved continuations must start with one of the draft model's K most likely next tokens. */
        private Integer pruneTopK;

        /** Retrieval-tree nodes kept per source (prompt lookup, datastore) after pruning. */
        private Integer retrievalBudget;

        /** The keys that are set, as the engine's overrides; unset keys keep the engine's defaults. */
        public SpeculationOverrides toOverrides() {
            return new SpeculationOverrides(
                    treeBudget, draftDepth, draftTopK, draftBudget, pruneTopK, null, retrievalBudget, adaptive);
        }

        public Boolean getAdaptive() {
            return adaptive;
        }

        public void setAdaptive(Boolean adaptive) {
            this.adaptive = adaptive;
        }

        public Integer getTreeBudget() {
            return treeBudget;
        }

        public void setTreeBudget(Integer treeBudget) {
            this.treeBudget = treeBudget;
        }

        public Integer getDraftDepth() {
            return draftDepth;
        }

        public void setDraftDepth(Integer draftDepth) {
            this.draftDepth = draftDepth;
        }

        public Integer getDraftTopK() {
            return draftTopK;
        }

        public void setDraftTopK(Integer draftTopK) {
            this.draftTopK = draftTopK;
        }

        public Integer getDraftBudget() {
            return draftBudget;
        }

        public void setDraftBudget(Integer draftBudget) {
            this.draftBudget = draftBudget;
        }

        public Integer getPruneTopK() {
            return pruneTopK;
        }

        public void setPruneTopK(Integer pruneTopK) {
            this.pruneTopK = pruneTopK;
        }

        public Integer getRetrievalBudget() {
            return retrievalBudget;
        }

        public void setRetrievalBudget(Integer retrievalBudget) {
            this.retrievalBudget = retrievalBudget;
        }
    }

    /** How one engine serves many callers. */
    public static class Concurrency {

        /** Generations that run at once; on a CPU one generation already uses every core. */
        private int maxConcurrentGenerations = 1;

        /** Generations that may wait for a slot; one more is refused at once (HTTP 429 / RateLimitException). */
        private int maxQueuedGenerations = 64;

        /** How long a generation may wait for a slot before it is refused; unset: no limit. */
        private Duration queueTimeout;

        public int getMaxConcurrentGenerations() {
            return maxConcurrentGenerations;
        }

        public void setMaxConcurrentGenerations(int maxConcurrentGenerations) {
            this.maxConcurrentGenerations = maxConcurrentGenerations;
        }

        public int getMaxQueuedGenerations() {
            return maxQueuedGenerations;
        }

        public void setMaxQueuedGenerations(int maxQueuedGenerations) {
            this.maxQueuedGenerations = maxQueuedGenerations;
        }

        public Duration getQueueTimeout() {
            return queueTimeout;
        }

        public void setQueueTimeout(Duration queueTimeout) {
            this.queueTimeout = queueTimeout;
        }
    }

    /** The token datastore the datastore modes retrieve continuations from. */
    public static class Datastore {

        /**
         * Datastore file (written by `rasd datastore build` or by persist). Opened at start-up when it exists; with
         * persist on it may be missing and is created.
         */
        private Path path;

        /** Text files, or folders of them, indexed at start-up: each file is one document, its id the file path. */
        private List<Path> inputs = new ArrayList<>();

        /**
         * Save the datastore (with every document added at run time, e.g. by RAG ingestion) to the path, atomically,
         * every persist-interval when it changed and at shut-down, so a restart does not lose them.
         */
        private boolean persist = false;

        /**
         * Most tokens the datastore may hold after run-time additions (RAG ingestion); about 8 bytes each. An
         * addition beyond it is refused (and counted as a failure by the RAG listener). Unset: only the file
         * format's limit.
         */
        private Long maxTokens;

        /**
         * With persist on, how often to save the datastore when documents were added or removed since the last
         * save (a crash loses at most this much); 0 = at shut-down only.
         */
        private Duration persistInterval = Duration.ofSeconds(30);

        public Duration getPersistInterval() {
            return persistInterval;
        }

        public void setPersistInterval(Duration persistInterval) {
            this.persistInterval = persistInterval;
        }

        public Long getMaxTokens() {
            return maxTokens;
        }

        public void setMaxTokens(Long maxTokens) {
            this.maxTokens = maxTokens;
        }

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public List<Path> getInputs() {
            return inputs;
        }

        public void setInputs(List<Path> inputs) {
            this.inputs = inputs;
        }

        public boolean isPersist() {
            return persist;
        }

        public void setPersist(boolean persist) {
            this.persist = persist;
        }
    }

    /** Retrieval-augmented generation with LangChain4j. */
    public static class Rag {

        /**
         * Feed every segment added to the application's EmbeddingStore&lt;TextSegment&gt; beans into the token
         * datastore (and drop removed ones), so the datastore modes propose continuations from the documents the
         * retriever hands the model.
         */
        private boolean feedEmbeddingStore = false;

        /**
         * At start-up, index up to this many segments that the fed embedding stores already hold (e.g. loaded from a
         * file), using the application's EmbeddingModel bean for the probe query; 0 = no backfill.
         */
        private int backfillMaxSegments = 100_000;

        public int getBackfillMaxSegments() {
            return backfillMaxSegments;
        }

        public void setBackfillMaxSegments(int backfillMaxSegments) {
            this.backfillMaxSegments = backfillMaxSegments;
        }

        public boolean isFeedEmbeddingStore() {
            return feedEmbeddingStore;
        }

        public void setFeedEmbeddingStore(boolean feedEmbeddingStore) {
            this.feedEmbeddingStore = feedEmbeddingStore;
        }
    }

    /** The LangChain4j chat models. */
    public static class Langchain4j {

        /** Offer RasdChatModel, RasdStreamingChatModel and a token count estimator when LangChain4j is present. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** Keeps the KV cache of recent contexts so a repeated prefix is not encoded again. */
    public static class PrefixCache {

        /** Reuse the keys and values of a previously encoded prefix (system prompt, RAG context, chat history). */
        private boolean enabled = true;

        /** Most memory the cached keys and values may take (evicted least recently used first). */
        private DataSize maxSize = DataSize.ofMegabytes(256);

        /** Shortest shared prefix worth restoring, in tokens. */
        private int minPrefixTokens = 16;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public DataSize getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(DataSize maxSize) {
            this.maxSize = maxSize;
        }

        public int getMinPrefixTokens() {
            return minPrefixTokens;
        }

        public void setMinPrefixTokens(int minPrefixTokens) {
            this.minPrefixTokens = minPrefixTokens;
        }
    }

    /** The Spring AI chat model. */
    public static class SpringAi {

        /** Offer a Spring AI ChatModel / StreamingChatModel on the engine when spring-ai-model is present. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /**
     * Scale-out: every replica follows one store of record in PostgreSQL (the application's DataSource). Documents,
     * their segments and embeddings live there with an ordered change log; each replica applies the log to its own
     * embedding index and token datastore and checkpoints them with the position applied.
     */
    public static class Feed {

        /**
         * Follow the store of record in the application's PostgreSQL DataSource (spring.datasource.*): needs the
         * PostgreSQL driver, flyway-core, flyway-database-postgresql and langchain4j on the classpath. The feed then
         * owns the token datastore: rasd.datastore.path and rasd.rag.feed-embedding-store must stay unset.
         */
        private boolean enabled = false;

        /**
         * PostgreSQL schema of the store of record (created and migrated by Flyway, with its own history table
         * rasd_schema_history); a lower-case SQL identifier. Replicas of one application share it.
         */
        private String schema = "rasd";

        /**
         * This replica's own folder (never shared between replicas): its checkpoints, each the token datastore and
         * the embedding index as of one change-log position, and the manifest naming them.
         */
        private Path stateDir;

        /**
         * How often to look at the change log when no notification came (LISTEN/NOTIFY wakes a replica at once; the
         * poll covers notifications missed while the connection was down), and to retry after a database error.
         */
        private Duration pollInterval = Duration.ofSeconds(1);

        /**
         * How often to write a checkpoint when changes were applied since the last one (and at shut-down): a replica
         * killed replays at most this much of the log when it restarts.
         */
        private Duration checkpointInterval = Duration.ofSeconds(10);

        /** Changes read from the log per query while catching up. */
        private int batchSize = 256;

        /**
         * How often replicas publish a snapshot (their checkpoint files at a log position) into the store of record,
         * taking turns: one replica publishes per interval, and the newest two are kept. 0 = this replica never
         * publishes.
         */
        private Duration snapshotInterval = Duration.ofMinutes(10);

        /**
         * A replica that starts without a checkpoint in its state-dir downloads the newest snapshot and replays only
         * the change log after it; false: it replays the whole log (same result, slower).
         */
        private boolean joinFromSnapshot = true;

        public Duration getSnapshotInterval() {
            return snapshotInterval;
        }

        public void setSnapshotInterval(Duration snapshotInterval) {
            this.snapshotInterval = snapshotInterval;
        }

        public boolean isJoinFromSnapshot() {
            return joinFromSnapshot;
        }

        public void setJoinFromSnapshot(boolean joinFromSnapshot) {
            this.joinFromSnapshot = joinFromSnapshot;
        }

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getSchema() {
            return schema;
        }

        public void setSchema(String schema) {
            this.schema = schema;
        }

        public Path getStateDir() {
            return stateDir;
        }

        public void setStateDir(Path stateDir) {
            this.stateDir = stateDir;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public Duration getCheckpointInterval() {
            return checkpointInterval;
        }

        public void setCheckpointInterval(Duration checkpointInterval) {
            this.checkpointInterval = checkpointInterval;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }
    }
}
