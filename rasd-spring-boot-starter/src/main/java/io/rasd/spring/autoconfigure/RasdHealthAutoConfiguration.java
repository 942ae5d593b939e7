package io.rasd.spring.autoconfigure;

import io.rasd.engine.RasdEngine;
import io.rasd.spring.health.RasdHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/** A health indicator named {@code rasd} when Spring Boot's health support is present (actuator). */
@AutoConfiguration(after = RasdAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(RasdEngine.class)
@ConditionalOnEnabledHealthIndicator("rasd")
public class RasdHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "rasdHealthIndicator")
    RasdHealthIndicator rasdHealthIndicator(RasdEngine engine) {
        return new RasdHealthIndicator(engine);
    }
}
