package io.rasd.springai;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.engine.DecodingMode;
import io.rasd.engine.SpeculationOverrides;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

class RasdSpringAiChatOptionsTest {

    private static RasdSpringAiChatOptions full() {
        return RasdSpringAiChatOptions.builder()
                .model("demo-target")
                .temperature(0.7)
                .topK(40)
                .topP(0.9)
                .maxTokens(64)
                .stopSequences(List.of("\n\n"))
                .mode(DecodingMode.RASD_PLD)
                .seed(3L)
                .timeout(java.time.Duration.ofSeconds(30))
                .adaptive(false)
                .treeBudget(8)
                .draftDepth(3)
                .draftTopK(2)
                .draftBudget(6)
                .pruneTopK(5)
                .retrievalBudget(4)
                .build();
    }

    @Test
    void mutateCopiesEveryFieldAndLeavesTheOriginalAlone() {
        RasdSpringAiChatOptions options = full();
        RasdSpringAiChatOptions copy = options.mutate().build();
        assertThat(copy).isEqualTo(options).hasSameHashCodeAs(options).isNotSameAs(options);
        assertThat(copy.toString())
                .isEqualTo(options.toString())
                .contains("mode=rasd-pld", "treeBudget=8", "timeout=PT30S");

        RasdSpringAiChatOptions changed = options.mutate()
                .treeBudget(2)
                .mode(DecodingMode.AR)
                .temperature(0.0)
                .build();
        assertThat(changed).isNotEqualTo(options);
        assertThat(options.getTreeBudget()).isEqualTo(8);
        assertThat(options.getMode()).isEqualTo(DecodingMode.RASD_PLD);
        assertThat(options.getTemperature()).isEqualTo(0.7);
    }

    @Test
    void combineWithLetsTheOthersNonNullValuesWinRasdFieldsIncluded() {
        RasdSpringAiChatOptions merged = full().mutate()
                .combineWith(RasdSpringAiChatOptions.builder()
                        .mode(DecodingMode.AR)
                        .treeBudget(3)
                        .maxTokens(5))
                .build();
        assertThat(merged.getMode()).isEqualTo(DecodingMode.AR);
        assertThat(merged.getTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(merged.getTreeBudget()).isEqualTo(3);
        assertThat(merged.getMaxTokens()).isEqualTo(5);
        // what the other side leaves unset stays
        assertThat(merged.getSeed()).isEqualTo(3L);
        assertThat(merged.getDraftDepth()).isEqualTo(3);
        assertThat(merged.getTemperature()).isEqualTo(0.7);
        assertThat(merged.getModel()).isEqualTo("demo-target");
    }

    @Test
    void combineWithPlainOptionsKeepsRasdFieldsAndAddsStopSequencesUpAsSpringAiDoes() {
        RasdSpringAiChatOptions merged = full().mutate()
                .combineWith(ChatOptions.builder().temperature(0.2).stopSequences(List.of("END")))
                .build();
        assertThat(merged.getTemperature()).isEqualTo(0.2);
        assertThat(merged.getMode()).isEqualTo(DecodingMode.RASD_PLD);
        assertThat(merged.getStopSequences()).containsExactly("\n\n", "END");
    }

    @Test
    void anyChatOptionsConvertWithTheirCommonAndToolFields() {
        ChatOptions plain = ChatOptions.builder()
                .model("m")
                .temperature(0.5)
                .topK(7)
                .topP(0.8)
                .maxTokens(9)
                .stopSequences(List.of("x"))
                .frequencyPenalty(0.0)
                .presencePenalty(0.0)
                .build();
        RasdSpringAiChatOptions converted = RasdSpringAiChatOptions.from(plain);
        assertThat(converted.getModel()).isEqualTo("m");
        assertThat(converted.getTemperature()).isEqualTo(0.5);
        assertThat(converted.getTopK()).isEqualTo(7);
        assertThat(converted.getTopP()).isEqualTo(0.8);
        assertThat(converted.getMaxTokens()).isEqualTo(9);
        assertThat(converted.getStopSequences()).containsExactly("x");
        assertThat(converted.getFrequencyPenalty()).isZero();
        assertThat(converted.getPresencePenalty()).isZero();
        assertThat(converted.getMode()).isNull();
        assertThat(converted.hasSpeculationOverrides()).isFalse();

        ToolCallingChatOptions tools = ToolCallingChatOptions.builder()
                .toolCallbacks(RasdSpringAiChatModelTest.weatherTool())
                .toolContext("user", "ada")
                .build();
        RasdSpringAiChatOptions withTools = RasdSpringAiChatOptions.from(tools);
        assertThat(withTools.getToolCallbacks()).hasSize(1);
        assertThat(withTools.getToolContext()).containsEntry("user", "ada");

        RasdSpringAiChatOptions rasd = full();
        assertThat(RasdSpringAiChatOptions.from(rasd)).isSameAs(rasd);
    }

    @Test
    void aClonedBuilderIsIndependent() {
        RasdSpringAiChatOptions.Builder builder = full().mutate();
        RasdSpringAiChatOptions.Builder clone = builder.clone();
        clone.mode(DecodingMode.AR).treeBudget(1);
        assertThat(builder.build().getMode()).isEqualTo(DecodingMode.RASD_PLD);
        assertThat(clone.build().getMode()).isEqualTo(DecodingMode.AR);
        assertThat(clone.build().getTreeBudget()).isEqualTo(1);
    }

    @Test
    void theModeIsAlsoSetByItsCliName() {
        assertThat(RasdSpringAiChatOptions.builder()
                        .mode("rasd-datastore")
                        .build()
                        .getMode())
                .isEqualTo(DecodingMode.RASD_DATASTORE);
        assertThat(RasdSpringAiChatOptions.builder().mode((String) null).build().getMode())
                .isNull();
    }

    @Test
    void theSpeculationKnobsAreOneSpeculationOverrides() {
        assertThat(full().getSpeculation()).isEqualTo(new SpeculationOverrides(8, 3, 2, 6, 5, null, 4, false));
        RasdSpringAiChatOptions viaRecord = RasdSpringAiChatOptions.builder()
                .speculation(SpeculationOverrides.builder().treeBudget(8).build())
                .build();
        assertThat(viaRecord.getTreeBudget()).isEqualTo(8);
        assertThat(viaRecord.hasSpeculationOverrides()).isTrue();
        assertThat(RasdSpringAiChatOptions.builder().build().getSpeculation()).isEqualTo(SpeculationOverrides.NONE);
        assertThat(RasdSpringAiChatOptions.builder().build().hasSpeculationOverrides())
                .isFalse();
    }
}
