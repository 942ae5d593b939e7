package io.rasd.spring.autoconfigure;

import io.rasd.spring.feed.RasdFeedReplica;
import io.rasd.spring.health.RasdFeedHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The health indicator {@code rasdFeed} when this replica follows a store of record ({@code rasd.feed.enabled}) and
 * Spring Boot's health module (actuator) is present: include it in the readiness group.
 */
@AutoConfiguration(after = RasdFeedAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(RasdFeedReplica.class)
@ConditionalOnEnabledHealthIndicator("rasd-feed")
public class RasdFeedHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "rasdFeedHealthIndicator")
    RasdFeedHealthIndicator rasdFeedHealthIndicator(RasdFeedReplica replica) {
        return new RasdFeedHealthIndicator(replica);
    }
}
