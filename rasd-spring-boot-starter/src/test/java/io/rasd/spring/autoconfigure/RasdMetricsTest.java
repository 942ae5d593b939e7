package io.rasd.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rasd.RasdException;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.GenerationStats;
import io.rasd.engine.RasdEngine;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.langchain4j.RasdChatResponseMetadata;
import io.rasd.spring.metrics.RasdMetrics;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** After a chat call the registry holds the OpenTelemetry GenAI meters and rasd's speculation meters. */
class RasdMetricsTest {

    private static final Tags GEN_AI = Tags.of(
            "gen_ai.operation.name", "chat", "gen_ai.provider.name", "rasd", "gen_ai.request.model", "demo-target");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    RasdAutoConfiguration.class,
                    RasdLangChain4jAutoConfiguration.class,
                    RasdMetricsAutoConfiguration.class))
            .withPropertyValues(Demo.PROPERTIES);

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void aChatCallRecordsGenAiMetersWithTheirTags() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            ChatResponse response = context.getBean(RasdChatModel.class)
                    .chat(ChatRequest.builder()
                            .messages(UserMessage.from("def fibonacci(n):"))
                            .build());
            GenerationStats stats = ((RasdChatResponseMetadata) response.metadata()).stats();

            assertThat(registry.get(RasdMetrics.TOKEN_USAGE)
                            .tags(GEN_AI)
                            .tag("gen_ai.token.type", "input")
                            .summary()
                            .totalAmount())
                    .isEqualTo((double) response.tokenUsage().inputTokenCount());
            assertThat(registry.get(RasdMetrics.TOKEN_USAGE)
                            .tags(GEN_AI)
                            .tag("gen_ai.token.type", "output")
                            .summary()
                            .totalAmount())
                    .isEqualTo((double) response.tokenUsage().outputTokenCount());
            assertThat(registry.get(RasdMetrics.OPERATION_DURATION)
                            .tags(GEN_AI)
                            .timer()
                            .count())
                    .isOne();
            assertThat(registry.get(RasdMetrics.TIME_TO_FIRST_TOKEN)
                            .tags(GEN_AI)
                            .timer()
                            .count())
                    .isOne();
            assertThat(registry.get(RasdMetrics.TIME_PER_OUTPUT_TOKEN)
                            .tags(GEN_AI)
                            .timer()
                            .count())
                    .isOne();
            assertThat(registry.get(RasdMetrics.TIME_TO_FIRST_TOKEN)
                            .timer()
                            .totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                    .isLessThanOrEqualTo(registry.get(RasdMetrics.OPERATION_DURATION)
                            .timer()
                            .totalTime(java.util.concurrent.TimeUnit.NANOSECONDS));
        });
    }

    @Test
    void speculationMetersCountAcceptedTokensPerForwardBySourceAndPhase() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            ChatResponse response = context.getBean(RasdChatModel.class)
                    .chat(ChatRequest.builder()
                            .messages(UserMessage.from("def fibonacci(n):"))
                            .build());
            GenerationStats stats = ((RasdChatResponseMetadata) response.metadata()).stats();

            var tau = registry.get(RasdMetrics.ACCEPTED_PER_FORWARD)
                    .tag("mode", "rasd")
                    .summary();
            assertThat(tau.count()).isEqualTo(stats.targetForwards());
            // steps commit whole steps; a stop in the middle of the last one commits fewer than it verified
            assertThat(tau.totalAmount()).isGreaterThanOrEqualTo(stats.generatedTokens());
            double bySource = registry.get(RasdMetrics.ACCEPTED_TOKENS).counters().stream()
                    .mapToDouble(Counter::count)
                    .sum();
            assertThat(bySource).isEqualTo(stats.generatedTokens());
            assertThat(registry.get(RasdMetrics.ACCEPTED_TOKENS)
                            .tag("source", "target")
                            .counter()
                            .count())
                    .isEqualTo(stats.accepted(io.rasd.tree.TokenOrigin.TARGET));
            for (String phase : new String[] {"prefill", "draft", "retrieval", "verify"}) {
                assertThat(registry.get(RasdMetrics.PHASE_TIME)
                                .tags(GEN_AI)
                                .tag("phase", phase)
                                .timer()
                                .count())
                        .as(phase)
                        .isOne();
            }
            assertThat(registry.get(RasdMetrics.DATASTORE_DOCUMENTS).gauge().value())
                    .isZero();
            assertThat(registry.get(RasdMetrics.RUNNING).gauge().value()).isZero();
            assertThat(registry.get(RasdMetrics.QUEUED).gauge().value()).isZero();
        });
    }

    @Test
    void prefixCacheHitsMissesAndReusedTokensAreCounted() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            RasdChatModel model = context.getBean(RasdChatModel.class);
            ChatRequest request = ChatRequest.builder()
                    .messages(
                            dev.langchain4j.data.message.SystemMessage.from(
                                    "You are a terse assistant that answers questions"
                                            + " about Python programs, the standard library and packaging, in one sentence."),
                            UserMessage.from("def fibonacci(n):"))
                    .build();
            model.chat(request);
            ChatResponse second = model.chat(request);
            int restored =
                    ((RasdChatResponseMetadata) second.metadata()).stats().cachedPromptTokens();
            assertThat(restored).isPositive();
            assertThat(registry.get(RasdMetrics.PREFIX_CACHE_LOOKUPS)
                            .tag("result", "hit")
                            .functionCounter()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.get(RasdMetrics.PREFIX_CACHE_LOOKUPS)
                            .tag("result", "miss")
                            .functionCounter()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.get(RasdMetrics.PREFIX_CACHE_REUSED_TOKENS)
                            .functionCounter()
                            .count())
                    .isEqualTo(restored);
            assertThat(registry.get(RasdMetrics.PREFIX_CACHE_SIZE).gauge().value())
                    .isPositive();
            assertThat(registry.get(RasdMetrics.PREFIX_CACHE_BLOCKS).gauge().value())
                    .isPositive();
            assertThat(registry.get(RasdMetrics.PREFIX_CACHE_EVICTIONS)
                            .functionCounter()
                            .count())
                    .isZero();
        });
    }

    @Test
    void aFailedGenerationIsTimedWithItsErrorType() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            RasdEngine engine = context.getBean(RasdEngine.class);
            assertThatThrownBy(() -> engine.generate(GenerationRequest.greedy(new int[] {1, Integer.MAX_VALUE}, 3)))
                    .isInstanceOf(RasdException.class);
            assertThat(context.getBean(MeterRegistry.class)
                            .get(RasdMetrics.OPERATION_DURATION)
                            .tags(GEN_AI)
                            .tag("error.type", RasdException.class.getName())
                            .timer()
                            .count())
                    .isOne();
        });
    }

    @Test
    void springBootsOwnMetricsAutoConfigurationProvidesTheRegistry() {
        runner.withConfiguration(AutoConfigurations.of(
                        MetricsAutoConfiguration.class,
                        CompositeMeterRegistryAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasSingleBean(RasdMetrics.class);
                    context.getBean(RasdChatModel.class).chat("hello");
                    assertThat(context.getBean(MeterRegistry.class)
                                    .find(RasdMetrics.TOKEN_USAGE)
                                    .summaries())
                            .hasSize(2);
                });
    }

    @Test
    void withoutAMeterRegistryThereAreNoMetrics() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RasdMetrics.class));
    }
}
