package io.rasd.springai;

import static io.rasd.springai.RasdSpringAiChatModelTest.QUESTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.engine.DecodingMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/** The model behind Spring AI's fluent {@link ChatClient}, as applications use it. */
class ChatClientTest {

    private static final RasdSpringAiChatModel model = DemoModels.MODEL;

    @Test
    void callContentIsTheModelsAnswer() {
        String content = ChatClient.create(model).prompt().user(QUESTION).call().content();
        assertThat(content).isNotEmpty().isEqualTo(model.call(QUESTION));
    }

    @Test
    void streamContentJoinsToTheModelsAnswer() {
        List<String> parts = ChatClient.create(model).prompt().user(QUESTION).stream()
                .content()
                .collectList()
                .block(Duration.ofSeconds(120));
        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(String.join("", parts)).isEqualTo(model.call(QUESTION));
    }

    @Test
    void clientOptionsReachTheModelOverItsDefaultsAndTheMetadataComesBack() {
        ChatResponse response = ChatClient.builder(model)
                .defaultSystem("You answer briefly.")
                .build()
                .prompt()
                .user(QUESTION)
                .options(RasdSpringAiChatOptions.builder().mode(DecodingMode.AR).maxTokens(6))
                .call()
                .chatResponse();
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(6);
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
        assertThat((String) response.getMetadata().get(RasdSpringAiChatModel.METADATA_MODE))
                .isEqualTo("ar");

        String plainOptions = ChatClient.create(model)
                .prompt()
                .user(QUESTION)
                .options(ChatOptions.builder().maxTokens(4))
                .call()
                .content();
        assertThat(plainOptions)
                .isEqualTo(model.call(new Prompt(
                                QUESTION, ChatOptions.builder().maxTokens(4).build()))
                        .getResult()
                        .getOutput()
                        .getText());
    }

    @Test
    void toolsGivenToTheClientAreRefusedRatherThanIgnoredWhenTheTemplateCannotRenderThem() {
        assertThatThrownBy(() -> ChatClient.create(model)
                        .prompt()
                        .user("What is the weather in Paris?")
                        .tools(RasdSpringAiChatModelTest.weatherTool())
                        .call()
                        .content())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not support tools")
                .hasMessageContaining("demo-target");
    }
}
