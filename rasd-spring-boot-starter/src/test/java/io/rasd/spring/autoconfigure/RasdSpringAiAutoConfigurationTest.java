package io.rasd.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.engine.DecodingMode;
import io.rasd.langchain4j.RasdChatModel;
import io.rasd.springai.RasdSpringAiChatModel;
import io.rasd.springai.RasdSpringAiChatOptions;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Spring AI chat model from the starter: present with spring-ai-model, configured from rasd.* properties. */
class RasdSpringAiAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    RasdAutoConfiguration.class,
                    RasdLangChain4jAutoConfiguration.class,
                    RasdSpringAiAutoConfiguration.class))
            .withPropertyValues(Demo.PROPERTIES);

    @Test
    void aSpringAiChatModelAnswersLikeTheLangChain4jOneOnTheSameEngine() {
        runner.run(context -> {
            assertThat(context)
                    .hasSingleBean(RasdSpringAiChatModel.class)
                    .hasSingleBean(org.springframework.ai.chat.model.StreamingChatModel.class);
            ChatModel springAi = context.getBean(RasdSpringAiChatModel.class);
            ChatResponse response = springAi.call(new Prompt("def add(a, b):"));
            assertThat(response.getResult().getOutput().getText())
                    .isEqualTo(context.getBean(RasdChatModel.class).chat("def add(a, b):"));
            assertThat(response.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 24);
            assertThat(response.getMetadata().getModel()).isEqualTo("demo-target");
        });
    }

    @Test
    void generationPropertiesBecomeTheDefaultOptions() {
        runner.withPropertyValues(
                        "rasd.mode=pld",
                        "rasd.generation.temperature=0.5",
                        "rasd.generation.top-k=20",
                        "rasd.generation.top-p=0.8",
                        "rasd.generation.seed=7",
                        "rasd.generation.stop-sequences=END",
                        "rasd.generation.timeout=45s",
                        "rasd.model-name=coder")
                .run(context -> {
                    RasdSpringAiChatModel model = context.getBean(RasdSpringAiChatModel.class);
                    RasdSpringAiChatOptions options = (RasdSpringAiChatOptions) model.getOptions();
                    assertThat(options.getMode()).isEqualTo(DecodingMode.PLD);
                    assertThat(options.getTemperature()).isEqualTo(0.5);
                    assertThat(options.getTopK()).isEqualTo(20);
                    assertThat(options.getTopP()).isEqualTo(0.8);
                    assertThat(options.getSeed()).isEqualTo(7L);
                    assertThat(options.getTimeout()).isEqualTo(java.time.Duration.ofSeconds(45));
                    assertThat(options.getMaxTokens()).isEqualTo(24);
                    assertThat(options.getStopSequences()).containsExactly("END");
                    assertThat(model.modelName()).isEqualTo("coder");
                });
    }

    @Test
    void springAiEnabledFalseLeavesItOut() {
        runner.withPropertyValues("rasd.spring-ai.enabled=false")
                .run(context -> assertThat(context)
                        .doesNotHaveBean(RasdSpringAiChatModel.class)
                        .hasSingleBean(RasdChatModel.class));
    }

    @Test
    void withoutSpringAiOnTheClasspathThereIsNoSpringAiModel() {
        runner.withClassLoader(new FilteredClassLoader(ChatModel.class))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .doesNotHaveBean(RasdSpringAiChatModel.class)
                        .hasSingleBean(RasdChatModel.class));
    }
}
