package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** What a config says about memory: the context window a load gets and the KV bytes a token costs. */
class ModelConfigTest {

    private static ModelConfig config(String extra) {
        return ModelConfig.parse(JsonParser.parseString("""
                        {"architectures": ["MistralForCausalLM"], "vocab_size": 100, "hidden_size": 64,
                         "intermediate_size": 128, "num_hidden_layers": 3, "num_attention_heads": 4,
                         "num_key_value_heads": 2, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
                         "rope_theta": 10000.0%s}""".formatted(extra)).getAsJsonObject(), "test");
    }

    @Test
    void theContextWindowIsTheSmallestOfPositionsSlidingWindowAndMaxContext() {
        assertThat(config("").contextLimit(0)).isEqualTo(4096);
        assertThat(config("").contextLimit(512)).isEqualTo(512);
        assertThat(config("").contextLimit(100_000)).isEqualTo(4096);
        assertThat(config(", \"sliding_window\": 1024").contextLimit(0)).isEqualTo(1024);
        assertThat(config(", \"sliding_window\": 1024").contextLimit(256)).isEqualTo(256);
    }

    @Test
    void aTokenCostsKeysAndValuesOfEveryLayerInF32() {
        // 2 (keys, values) x 3 layers x 2 KV heads x head dim 16 (64 / 4 heads) x 4 bytes
        assertThat(config("").kvBytesPerToken()).isEqualTo(2L * 3 * 2 * 16 * 4);
    }
}
