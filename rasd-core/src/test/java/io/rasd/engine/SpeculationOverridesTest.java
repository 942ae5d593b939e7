package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.retrieval.PromptLookup;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SpeculationOverridesTest {

    private static final SpeculationOverrides ALL = new SpeculationOverrides(4, 2, 2, 6, 5, 0.25, 3, false);

    @Test
    void noneIsEmptyAndLeavesTheBaseUnchanged() {
        assertThat(SpeculationOverrides.NONE.isEmpty()).isTrue();
        assertThat(SpeculationOverrides.builder().build()).isEqualTo(SpeculationOverrides.NONE);
        assertThat(SpeculationOverrides.NONE.applyTo(SpeculationConfig.DEFAULT)).isSameAs(SpeculationConfig.DEFAULT);
        assertThat(SpeculationOverrides.NONE.toString()).isEqualTo("{}");
    }

    @Test
    void anySetKnobMakesItNonEmpty() {
        assertThat(SpeculationOverrides.builder().adaptive(false).build().isEmpty())
                .isFalse();
        assertThat(SpeculationOverrides.builder().pruneMinProb(0.1).build().isEmpty())
                .isFalse();
    }

    @Test
    void applyToReplacesEverySetKnobAndKeepsTheRest() {
        SpeculationConfig c = ALL.applyTo(SpeculationConfig.DEFAULT);
        assertThat(c)
                .isEqualTo(new SpeculationConfig(
                        4,
                        2,
                        2,
                        6,
                        5,
                        0.25,
                        3,
                        false,
                        PromptLookup.Config.DEFAULT,
                        TokenDatastore.QueryConfig.DEFAULT));

        SpeculationConfig one =
                SpeculationOverrides.builder().draftDepth(2).build().applyTo(SpeculationConfig.DEFAULT);
        assertThat(one)
                .isEqualTo(SpeculationConfig.DEFAULT.toBuilder().draftDepth(2).build());
    }

    @Test
    void applyToKeepsTheBasesRetrievalSettings() {
        PromptLookup.Config lookup = new PromptLookup.Config(2, 4, 8, 6);
        SpeculationConfig base = new SpeculationConfig(8, lookup);
        SpeculationConfig c =
                SpeculationOverrides.builder().treeBudget(3).build().applyTo(base);
        assertThat(c.promptLookup()).isEqualTo(lookup);
        assertThat(c.treeBudget()).isEqualTo(3);
        assertThat(c.adaptive()).isFalse();
    }

    @Test
    void mergeLaysTheSetValuesOfTheOtherSideOverThese() {
        SpeculationOverrides defaults = SpeculationOverrides.builder()
                .treeBudget(8)
                .draftDepth(3)
                .adaptive(true)
                .build();
        SpeculationOverrides request =
                SpeculationOverrides.builder().draftDepth(2).adaptive(false).build();
        assertThat(defaults.merge(request))
                .isEqualTo(SpeculationOverrides.builder()
                        .treeBudget(8)
                        .draftDepth(2)
                        .adaptive(false)
                        .build());
        assertThat(defaults.merge(SpeculationOverrides.NONE)).isSameAs(defaults);
        assertThat(defaults.merge(null)).isSameAs(defaults);
        assertThat(SpeculationOverrides.NONE.merge(ALL)).isEqualTo(ALL);
        assertThat(ALL.merge(SpeculationOverrides.NONE)).isEqualTo(ALL);
    }

    @Test
    void anOutOfRangeValueNamesItsKnobTheValueAndTheRange() {
        assertThatThrownBy(() -> SpeculationOverrides.builder()
                        .treeBudget(100_000)
                        .build()
                        .applyTo(SpeculationConfig.DEFAULT))
                .isInstanceOfSatisfying(SpeculationOverrides.InvalidKnobException.class, e -> {
                    assertThat(e.knob()).isEqualTo("treeBudget");
                    assertThat(e.value()).isEqualTo(100_000);
                    assertThat(e.reason()).isEqualTo("tree budget must be in [0, 256], got 100000");
                })
                .isInstanceOf(RasdException.class)
                .hasMessage("treeBudget=100000: tree budget must be in [0, 256], got 100000");
        // the first bad knob is blamed, not a good one set before it
        assertThatThrownBy(() -> SpeculationOverrides.builder()
                        .treeBudget(4)
                        .draftDepth(0)
                        .pruneMinProb(2.0)
                        .build()
                        .applyTo(SpeculationConfig.DEFAULT))
                .isInstanceOfSatisfying(
                        SpeculationOverrides.InvalidKnobException.class,
                        e -> assertThat(e.knob()).isEqualTo("draftDepth"));
        assertThatThrownBy(() ->
                        SpeculationOverrides.builder().pruneMinProb(1.0).build().applyTo(SpeculationConfig.DEFAULT))
                .isInstanceOfSatisfying(
                        SpeculationOverrides.InvalidKnobException.class,
                        e -> assertThat(e.knob()).isEqualTo("pruneMinProb"))
                .hasMessageContaining("[0, 1)");
    }

    @Test
    void everyUserKnobOfTheConfigHasAnOverrideOfTheSameNameAndType() {
        // the retrieval sub-configs (prompt lookup, datastore query) are not user knobs of any integration
        RecordComponent[] config = SpeculationConfig.class.getRecordComponents();
        for (RecordComponent c : config) {
            if (c.getName().equals("promptLookup") || c.getName().equals("datastoreQuery")) {
                continue;
            }
            RecordComponent o = Arrays.stream(SpeculationOverrides.class.getRecordComponents())
                    .filter(r -> r.getName().equals(c.getName()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no override for " + c.getName()));
            Class<?> boxed = c.getType() == int.class
                    ? Integer.class
                    : c.getType() == double.class
                            ? Double.class
                            : c.getType() == boolean.class ? Boolean.class : c.getType();
            assertThat(o.getType()).as(c.getName()).isEqualTo(boxed);
        }
        assertThat(SpeculationOverrides.knobNames())
                .containsExactlyElementsOf(Arrays.stream(SpeculationOverrides.class.getRecordComponents())
                        .map(RecordComponent::getName)
                        .toList());
    }

    @Test
    void toStringListsOnlyTheSetKnobs() {
        assertThat(SpeculationOverrides.builder()
                        .treeBudget(8)
                        .adaptive(false)
                        .build()
                        .toString())
                .isEqualTo("{treeBudget=8, adaptive=false}");
    }

    @Test
    void theDefaultConstantsAreTheDefaultConfig() {
        assertThat(SpeculationConfig.DEFAULT)
                .isEqualTo(new SpeculationConfig(
                        SpeculationConfig.DEFAULT_TREE_BUDGET,
                        SpeculationConfig.DEFAULT_DRAFT_DEPTH,
                        SpeculationConfig.DEFAULT_DRAFT_TOP_K,
                        SpeculationConfig.DEFAULT_DRAFT_BUDGET,
                        SpeculationConfig.DEFAULT_PRUNE_TOP_K,
                        SpeculationConfig.DEFAULT_PRUNE_MIN_PROB,
                        SpeculationConfig.DEFAULT_RETRIEVAL_BUDGET,
                        SpeculationConfig.DEFAULT_ADAPTIVE,
                        null,
                        null));
    }

    @Test
    void kebabCaseSpellsKnobsAsPropertyKeysAndFlags() {
        assertThat(SpeculationOverrides.kebabCase("draftTopK")).isEqualTo("draft-top-k");
        assertThat(SpeculationOverrides.kebabCase("retrievalBudget")).isEqualTo("retrieval-budget");
        assertThat(SpeculationOverrides.kebabCase("adaptive")).isEqualTo("adaptive");
    }
}
