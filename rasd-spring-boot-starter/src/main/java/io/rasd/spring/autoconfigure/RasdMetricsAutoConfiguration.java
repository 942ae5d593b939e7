package io.rasd.spring.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.rasd.engine.RasdEngine;
import io.rasd.spring.metrics.RasdMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Micrometer metrics of every generation ({@link RasdMetrics}) when the application has a {@link MeterRegistry}. */
@AutoConfiguration(
        after = RasdAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple"
                    + ".SimpleMetricsExportAutoConfiguration"
        })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({RasdEngine.class, MeterRegistry.class})
public class RasdMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    RasdMetrics rasdMetrics(RasdEngine engine, MeterRegistry registry) {
        return new RasdMetrics(engine, registry);
    }
}
