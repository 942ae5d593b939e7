package io.rasd.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.rasd.engine.RasdEngine;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class RasdTokenCountEstimatorTest {

    @Test
    void textIsCountedWithTheModelsTokenizer() {
        try (RasdEngine engine = DemoModels.engine()) {
            RasdTokenCountEstimator estimator = RasdTokenCountEstimator.of(engine);
            String text = "def read_lines(path):\n    with open(path) as f:\n        return f.readlines()";
            assertThat(estimator.estimateTokenCountInText(text))
                    .isEqualTo(engine.tokenizer().encode(text, false).length);
            assertThat(estimator.estimateTokenCountInText("")).isZero();
        }
    }

    @Test
    void aConversationCountsExactlyWhatTheChatModelSends() {
        try (RasdEngine engine = DemoModels.engine()) {
            RasdTokenCountEstimator estimator = RasdTokenCountEstimator.of(engine);
            List<ChatMessage> conversation = List.of(
                    SystemMessage.from("Be brief."),
                    UserMessage.from("What is a dict?"),
                    AiMessage.from("A mapping."),
                    UserMessage.from("And a set?"));
            int sent = RasdChatModel.builder()
                    .engine(engine)
                    .maxOutputTokens(1)
                    .build()
                    .chat(ChatRequest.builder().messages(conversation).build())
                    .tokenUsage()
                    .inputTokenCount();
            assertThat(estimator.estimateTokenCountInMessages(conversation)).isEqualTo(sent);
            int oneByOne = 0;
            for (ChatMessage m : conversation) {
                oneByOne += estimator.estimateTokenCountInMessage(m);
            }
            assertThat(oneByOne).isGreaterThanOrEqualTo(sent - 4); // the generation prompt is not in any message
        }
    }

    @Test
    void theRecursiveSplitterCutsSegmentsAtTheRequestedTokenSize() throws Exception {
        try (RasdEngine engine = DemoModels.engine()) {
            RasdTokenCountEstimator estimator = RasdTokenCountEstimator.of(engine);
            String text = Files.readString(DemoModels.corpus().resolve("python/faq/general.rst.txt"));
            List<TextSegment> segments =
                    DocumentSplitters.recursive(128, 16, estimator).split(Document.from(text));
            assertThat(segments).hasSizeGreaterThan(10);
            int total = 0;
            for (TextSegment s : segments) {
                int n = engine.tokenizer().encode(s.text(), false).length;
                assertThat(n).isLessThanOrEqualTo(128);
                total += n;
            }
            // segments are filled, not cut needlessly small
            assertThat(total / segments.size()).isGreaterThan(64);
        }
    }
}
