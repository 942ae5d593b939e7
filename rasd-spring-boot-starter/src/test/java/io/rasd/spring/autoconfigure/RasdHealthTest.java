package io.rasd.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.spring.health.RasdHealthIndicator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code rasd} health indicator: up with model, device and datastore details; switchable. */
class RasdHealthTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RasdAutoConfiguration.class, RasdHealthAutoConfiguration.class))
            .withPropertyValues(Demo.PROPERTIES);

    @Test
    void reportsUpWithModelDeviceAndDatastore() {
        runner.withPropertyValues("rasd.datastore.inputs=" + Demo.CORPUS.resolve("SOURCES.md"))
                .run(context -> {
                    Health health = context.getBean(RasdHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails())
                            .containsEntry("model", "demo-target")
                            .containsEntry("device", "cpu()")
                            .containsEntry("draftModel", "demo-draft")
                            .containsEntry("runningGenerations", 0)
                            .containsKey("contextWindow");
                    @SuppressWarnings("unchecked")
                    Map<String, Object> datastore =
                            (Map<String, Object>) health.getDetails().get("datastore");
                    assertThat(datastore).containsEntry("documents", 1);
                });
    }

    @Test
    void canBeSwitchedOffLikeAnyHealthIndicator() {
        runner.withPropertyValues("management.health.rasd.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RasdHealthIndicator.class));
    }

    @Test
    void isAbsentWithoutSpringBootHealth() {
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RasdHealthIndicator.class));
    }
}
