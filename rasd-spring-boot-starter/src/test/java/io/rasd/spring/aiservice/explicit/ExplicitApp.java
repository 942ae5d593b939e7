package io.rasd.spring.aiservice.explicit;

import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.context.annotation.Configuration;

/** Marks this package for LangChain4j's @AiService scanning. */
@Configuration(proxyBeanMethods = false)
@AutoConfigurationPackage
public class ExplicitApp {}
