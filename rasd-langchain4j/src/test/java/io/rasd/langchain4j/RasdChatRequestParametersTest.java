package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.SpeculationOverrides;
import java.util.List;
import org.junit.jupiter.api.Test;

class RasdChatRequestParametersTest {

    private final RasdChatRequestParameters defaults = RasdChatRequestParameters.builder()
            .modelName("demo-target")
            .temperature(0.0)
            .maxOutputTokens(100)
            .mode(DecodingMode.RASD)
            .seed(1L)
            .timeout(java.time.Duration.ofSeconds(30))
            .treeBudget(12)
            .build();

    @Test
    void overridingWithPlainParametersKeepsRasdsOwnFields() {
        RasdChatRequestParameters merged = defaults.overrideWith(ChatRequestParameters.builder()
                .temperature(0.7)
                .stopSequences("END")
                .build());
        assertThat(merged.temperature()).isEqualTo(0.7);
        assertThat(merged.stopSequences()).containsExactly("END");
        assertThat(merged.maxOutputTokens()).isEqualTo(100);
        assertThat(merged.modelName()).isEqualTo("demo-target");
        assertThat(merged.mode()).isEqualTo(DecodingMode.RASD);
        assertThat(merged.seed()).isEqualTo(1L);
        assertThat(merged.timeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(merged.treeBudget()).isEqualTo(12);
    }

    @Test
    void overridingWithRasdParametersReplacesOnlyTheFieldsTheySet() {
        RasdChatRequestParameters merged = defaults.overrideWith(
                RasdChatRequestParameters.builder().mode("pld").draftDepth(3).build());
        assertThat(merged.mode()).isEqualTo(DecodingMode.PLD);
        assertThat(merged.draftDepth()).isEqualTo(3);
        assertThat(merged.treeBudget()).isEqualTo(12);
        assertThat(merged.seed()).isEqualTo(1L);
        assertThat(merged.maxOutputTokens()).isEqualTo(100);
    }

    @Test
    void defaultedByFillsOnlyWhatIsMissing() {
        RasdChatRequestParameters request = RasdChatRequestParameters.builder()
                .temperature(0.5)
                .mode(DecodingMode.AR)
                .build();
        RasdChatRequestParameters merged = request.defaultedBy(defaults);
        assertThat(merged.temperature()).isEqualTo(0.5);
        assertThat(merged.mode()).isEqualTo(DecodingMode.AR);
        assertThat(merged.seed()).isEqualTo(1L);
        assertThat(merged.maxOutputTokens()).isEqualTo(100);

        RasdChatRequestParameters fromPlain =
                request.defaultedBy(ChatRequestParameters.builder().topK(5).build());
        assertThat(fromPlain.topK()).isEqualTo(5);
        assertThat(fromPlain.mode()).isEqualTo(DecodingMode.AR);
    }

    @Test
    void plainParametersOverriddenByRasdOnesAreStillPlainButTakeTheCommonFields() {
        ChatRequestParameters plain =
                ChatRequestParameters.builder().temperature(0.2).build();
        ChatRequestParameters merged = plain.overrideWith(defaults);
        assertThat(merged.temperature()).isEqualTo(0.0);
        assertThat(merged.maxOutputTokens()).isEqualTo(100);
    }

    @Test
    void equalityHashAndTextCoverRasdsFields() {
        RasdChatRequestParameters same =
                RasdChatRequestParameters.builder().overrideWith(defaults).build();
        assertThat(same).isEqualTo(defaults).hasSameHashCodeAs(defaults);
        assertThat(same.overrideWith(
                        RasdChatRequestParameters.builder().seed(2L).build()))
                .isNotEqualTo(defaults);
        assertThat(defaults.toString())
                .startsWith("RasdChatRequestParameters")
                .contains("mode=rasd")
                .contains("treeBudget=12");
        assertThat(defaults.hasSpeculationOverrides()).isTrue();
        assertThat(RasdChatRequestParameters.builder()
                        .mode(DecodingMode.AR)
                        .seed(3L)
                        .build()
                        .hasSpeculationOverrides())
                .isFalse();
        assertThat(List.of(defaults)).contains(same);
    }

    @Test
    void theSpeculationKnobsAreOneSpeculationOverridesMergedKnobByKnob() {
        assertThat(defaults.speculation())
                .isEqualTo(SpeculationOverrides.builder().treeBudget(12).build());
        RasdChatRequestParameters merged = defaults.overrideWith(RasdChatRequestParameters.builder()
                .speculation(SpeculationOverrides.builder()
                        .draftDepth(2)
                        .adaptive(false)
                        .build())
                .build());
        assertThat(merged.speculation())
                .isEqualTo(SpeculationOverrides.builder()
                        .treeBudget(12)
                        .draftDepth(2)
                        .adaptive(false)
                        .build());
        assertThat(merged.adaptive()).isFalse();
        assertThat(RasdChatRequestParameters.builder().build().speculation()).isEqualTo(SpeculationOverrides.NONE);
    }
}
