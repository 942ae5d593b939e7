package io.rasd.samples.rag;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RagAssistantExampleTest {

    @Test
    void theSampleIngestsAnswersWithStatsAndMatchesPlainDecoding() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RagAssistantExample.run(
                new String[] {"--max-tokens", "24", "How do I count the number of lines in a file?"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).containsPattern("the datastore holds [1-9]\\d* segments");
        assertThat(out).containsPattern("\\[rasd: 24 tokens, .* tau \\d\\.\\d\\d; accepted from draft \\d+");
        assertThat(out).contains("identical: yes");
    }
}
