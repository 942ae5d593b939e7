package io.rasd.samples.springrag;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Without {@code spring.datasource.url} the sample runs as it always has, with no database: Spring Boot's JDBC
 * support (on the classpath for the postgres profile) would otherwise try to build a DataSource from nothing and fail
 * start-up. Runs after the configuration files and profiles are read, so a URL from any of them counts.
 */
class DatabaseOnlyWithUrl implements EnvironmentPostProcessor, Ordered {

    static final String DATA_SOURCE = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getProperty("spring.datasource.url") != null) {
            return;
        }
        String excluded = environment.getProperty("spring.autoconfigure.exclude", "");
        String value = excluded.isBlank() ? DATA_SOURCE : excluded + "," + DATA_SOURCE;
        environment
                .getPropertySources()
                .addFirst(
                        new MapPropertySource("rasdSampleNoDataSource", Map.of("spring.autoconfigure.exclude", value)));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
