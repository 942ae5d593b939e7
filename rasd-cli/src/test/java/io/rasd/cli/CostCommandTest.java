package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import org.junit.jupiter.api.Test;

class CostCommandTest {

    @Test
    void withAnEagleHeadEachSizeAlsoGetsTheHeadsTimeAndItsShareOfATargetForward() {
        CliRunner r = CliRunner.run(
                "cost",
                "--model",
                TestData.root().resolve("eagle3/target-8l-gqa-f32").toString(),
                "--draft",
                TestData.root().resolve("eagle3/head-8l-draftvocab-midlayer").toString(),
                "--context",
                "16",
                "--sizes",
                "1,4",
                "--repeats",
                "2",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonArray curve =
                JsonParser.parseString(r.out().trim()).getAsJsonObject().getAsJsonArray("curve");
        assertThat(curve).hasSize(2);
        for (var el : curve) {
            JsonObject row = el.getAsJsonObject();
            assertThat(row.get("head_seconds").getAsDouble()).isPositive();
            assertThat(row.get("head_share_of_t1").getAsDouble()).isPositive();
        }
    }

    @Test
    void withoutAHeadOnlyTheTargetsCurveIsPrinted() {
        CliRunner r = CliRunner.run(
                "cost",
                "--model",
                TestData.hf("llama-gqa-f32").toString(),
                "--context",
                "8",
                "--sizes",
                "1,2",
                "--repeats",
                "2",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonObject row = JsonParser.parseString(r.out().trim())
                .getAsJsonObject()
                .getAsJsonArray("curve")
                .get(0)
                .getAsJsonObject();
        assertThat(row.has("head_seconds")).isFalse();
        assertThat(row.get("ratio").getAsDouble()).isEqualTo(1.0);
    }
}
