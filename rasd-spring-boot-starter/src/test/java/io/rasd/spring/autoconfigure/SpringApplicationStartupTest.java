package io.rasd.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.engine.RasdEngine;
import io.rasd.langchain4j.RasdChatModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** A real SpringApplication finds the auto-configurations and the failure analyzer through their registrations. */
@ExtendWith(OutputCaptureExtension.class)
class SpringApplicationStartupTest {

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {}

    private static SpringApplicationBuilder app(String... properties) {
        return new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties(properties);
    }

    @Test
    void autoConfigurationIsRegisteredForSpringApplications() {
        try (ConfigurableApplicationContext context = app(Demo.PROPERTIES).run()) {
            assertThat(context.getBean(RasdEngine.class).target().directory()).isEqualTo(Demo.TARGET);
            assertThat(context.getBean(RasdChatModel.class).chat("def main():")).isNotNull();
        }
    }

    @Test
    void aBadModelPathFailsStartUpWithAFailureAnalysisNamingTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> app("rasd.target.path=/no/such/model").run())
                .hasRootCauseInstanceOf(RasdConfigurationException.class);
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("the property 'rasd.target.path' is '/no/such/model'")
                .contains("nothing exists at /no/such/model")
                .contains("Point rasd.target.path at a HuggingFace model directory");
    }

    @Test
    void aMemoryBudgetThatCannotFitIsReportedByItsFailureAnalyzer(CapturedOutput output) {
        String[] properties = java.util.Arrays.copyOf(Demo.PROPERTIES, Demo.PROPERTIES.length + 1);
        properties[properties.length - 1] = "rasd.concurrency.max-concurrent-generations=1000000000";
        assertThatThrownBy(() -> app(properties).run()).hasRootCauseInstanceOf(RasdMemoryBudgetException.class);
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("KV caches (native memory, PyTorch tensors): rasd.concurrency.max-concurrent-generations=")
                .contains("rasd.check-memory=false skips this check");
    }
}
