package io.rasd.constrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import org.junit.jupiter.api.Test;

class GrammarCacheTest {

    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"boolean\"}}}";

    @Test
    void theSameSchemaTextGivesTheSameGrammarObjectSoTheEnginesMasksStayWarm() {
        GrammarCache cache = new GrammarCache();
        Grammar first = cache.jsonSchema(SCHEMA);
        assertThat(cache.jsonSchema(new String(SCHEMA))).isSameAs(first);
        assertThat(first.matches("{\"a\":true}")).isTrue();
        assertThat(cache.jsonObject()).isSameAs(cache.jsonObject());
    }

    @Test
    void aSchemaThatFailsToCompileFailsEveryTimeNamingItsPointer() {
        GrammarCache cache = new GrammarCache();
        String bad = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\",\"pattern\":\"^x\"}}}";
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> cache.jsonSchema(bad))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("/properties/id/pattern");
        }
    }
}
