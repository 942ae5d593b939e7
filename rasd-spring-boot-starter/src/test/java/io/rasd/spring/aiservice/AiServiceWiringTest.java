package io.rasd.spring.aiservice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.IllegalConfigurationException;
import dev.langchain4j.spring.LangChain4jAutoConfig;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.spring.aiservice.automatic.AutomaticApp;
import io.rasd.spring.aiservice.automatic.AutomaticAssistant;
import io.rasd.spring.aiservice.explicit.ExplicitApp;
import io.rasd.spring.aiservice.explicit.ExplicitAssistant;
import io.rasd.spring.autoconfigure.RasdAutoConfiguration;
import io.rasd.spring.autoconfigure.RasdLangChain4jAutoConfiguration;
import io.rasd.testing.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * rasd beside another ChatModel provider under LangChain4j's {@code @AiService} wiring (langchain4j-spring-boot-starter):
 * automatic mode refuses two ChatModel beans; naming rasd's bean, or switching rasd's chat models off, resolves it.
 */
class AiServiceWiringTest {

    private static final String MODELS =
            TestData.root().getParent().resolve("models").toString();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    RasdAutoConfiguration.class, RasdLangChain4jAutoConfiguration.class, LangChain4jAutoConfig.class))
            .withPropertyValues(
                    "rasd.target.path=" + MODELS + "/demo-target",
                    "rasd.device=cpu",
                    "rasd.generation.max-new-tokens=12",
                    "rasd.speculation.adaptive=false");

    /** Another provider's chat model (e.g. OpenAI's), answering a fixed text. */
    @Configuration(proxyBeanMethods = false)
    static class OtherProvider {
        @Bean
        ChatModel otherChatModel() {
            return new ChatModel() {
                @Override
                public ChatResponse doChat(ChatRequest request) {
                    return ChatResponse.builder()
                            .aiMessage(AiMessage.from("from the other provider"))
                            .build();
                }
            };
        }
    }

    @Test
    void withRasdAloneAutomaticWiringUsesRasd() {
        runner.withUserConfiguration(AutomaticApp.class).run(context -> {
            assertThat(context).hasNotFailed();
            String answer = context.getBean(AutomaticAssistant.class).chat("def add(a, b):");
            assertThat(answer).isEqualTo(context.getBean(RasdChatModel.class).chat("def add(a, b):"));
        });
    }

    @Test
    void automaticWiringRefusesRasdBesideAnotherChatModel() {
        runner.withUserConfiguration(AutomaticApp.class, OtherProvider.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .isInstanceOf(IllegalConfigurationException.class)
                    .hasMessageContaining("rasdChatModel")
                    .hasMessageContaining("otherChatModel")
                    .hasMessageContaining("wiringMode = EXPLICIT");
        });
    }

    @Test
    void explicitWiringPicksRasdBesideAnotherChatModel() {
        runner.withUserConfiguration(ExplicitApp.class, OtherProvider.class).run(context -> {
            assertThat(context).hasNotFailed();
            String answer = context.getBean(ExplicitAssistant.class).chat("def add(a, b):");
            assertThat(answer)
                    .isNotEqualTo("from the other provider")
                    .isEqualTo(context.getBean(RasdChatModel.class).chat("def add(a, b):"));
        });
    }

    @Test
    void switchingRasdsChatModelsOffLeavesAutomaticWiringToTheOtherProvider() {
        runner.withUserConfiguration(AutomaticApp.class, OtherProvider.class)
                .withPropertyValues("rasd.langchain4j.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(AutomaticAssistant.class).chat("hi"))
                            .isEqualTo("from the other provider");
                });
    }
}
