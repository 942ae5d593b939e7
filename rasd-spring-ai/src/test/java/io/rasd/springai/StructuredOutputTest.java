package io.rasd.springai;

import static io.rasd.springai.RasdSpringAiChatModelTest.QUESTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ResponseEntity;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.converter.BeanOutputConverter;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;

/**
 * Native structured output through Spring AI: the schema of an {@code entity(...)} type becomes the grammar, so the
 * demo models, which know nothing of JSON, answer with a document that converts (content noise, structure valid).
 */
class StructuredOutputTest {

    enum Verdict {
        YES,
        NO
    }

    record Answer(Verdict verdict, boolean sure) {}

    private static final RasdSpringAiChatModel model = DemoModels.MODEL;

    /** Room for the newlines the demo model writes before the brace. */
    private static RasdSpringAiChatOptions.Builder options() {
        return RasdSpringAiChatOptions.builder().maxTokens(200);
    }

    @Test
    void chatClientEntityWithNativeStructuredOutputConvertsTheConstrainedAnswer() {
        ResponseEntity<ChatResponse, Answer> answer = ChatClient.create(model)
                .prompt()
                .user(QUESTION)
                .options(options())
                .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                .call()
                .responseEntity(Answer.class);

        assertThat(answer.entity()).isNotNull();
        assertThat(answer.entity().verdict())
                .as("Spring AI's schema requires every property")
                .isNotNull();
        String text = answer.response().getResult().getOutput().getText();
        assertThat(JsonParser.parseString(text).getAsJsonObject().keySet())
                .containsExactlyInAnyOrder("verdict", "sure");
        assertThat(answer.response().getMetadata().getUsage().getPromptTokens())
                .as("the schema went in the options, not as format instructions in the prompt")
                .isEqualTo(
                        model.call(new Prompt(QUESTION, options().maxTokens(1).build()))
                                .getMetadata()
                                .getUsage()
                                .getPromptTokens());
    }

    @Test
    void anOutputSchemaGivesTheSameDocumentWhenStreamedAndInEveryMode() {
        String schema = new BeanOutputConverter<>(Answer.class).getJsonSchema();
        ChatOptions ar = options().mode("ar").outputSchema(schema).build();
        // plain StructuredOutputChatOptions, as ChatClient builds them for a model whose options are not rasd's
        ChatOptions plain = StructuredOutputChatOptions.builder()
                .maxTokens(200)
                .outputSchema(schema)
                .build();
        String text =
                model.call(new Prompt(QUESTION, ar)).getResult().getOutput().getText();

        assertThat(model.call(new Prompt(QUESTION, plain))
                        .getResult()
                        .getOutput()
                        .getText())
                .isEqualTo(text);
        List<ChatResponse> chunks =
                model.stream(new Prompt(QUESTION, ar)).collectList().block(Duration.ofSeconds(120));
        assertThat(String.join(
                        "",
                        chunks.stream()
                                .map(c -> c.getResult().getOutput().getText())
                                .toList()))
                .isEqualTo(text);
        assertThat(new BeanOutputConverter<>(Answer.class).convert(text)).isNotNull();
    }

    @Test
    void anUnsupportedSchemaKeywordIsRefusedNamingItsJsonPointer() {
        String schema = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":0}}}";
        assertThatThrownBy(() -> model.call(
                        new Prompt(QUESTION, options().outputSchema(schema).build())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outputSchema")
                .hasMessageContaining("/properties/n/minimum");
        assertThatThrownBy(() -> RasdSpringAiChatModel.builder()
                        .engine(DemoModels.ENGINE)
                        .defaultOptions(options().outputSchema(schema).build())
                        .build())
                .as("invalid defaults fail at build time")
                .hasMessageContaining("/properties/n/minimum");
    }

    @Test
    void theOutputSchemaIsAnOptionLikeTheOthers() {
        RasdSpringAiChatOptions withSchema = options().outputSchema("{}").build();

        assertThat(withSchema.mutate().build()).isEqualTo(withSchema);
        assertThat(withSchema).isNotEqualTo(options().build());
        assertThat(RasdSpringAiChatOptions.from(StructuredOutputChatOptions.builder()
                                .outputSchema("{}")
                                .build())
                        .getOutputSchema())
                .isEqualTo("{}");
        assertThat(options()
                        .build()
                        .mutate()
                        .combineWith(withSchema.mutate())
                        .build()
                        .getOutputSchema())
                .isEqualTo("{}");
    }
}
