package io.rasd.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.text.ChatMessage;
import io.rasd.text.ChatPromptEncoder;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChatExamplesTest {

    private static final Path DEMO = Path.of("../models/demo-target");
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(DEMO);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static final String FAQ = "=head1 NAME\n\nperlfaq9 - Web\n\n"
            + "=head2 How do I fetch an HTML file?\n\n"
            + "One approach, if you have the lynx text-based HTML browser installed on your system, is this:\n\n"
            + "    $html_code = `lynx -source $url`;\n    $text_data = `lynx -dump $url`;\n\n"
            + "The libwww-perl (LWP) modules from CPAN provide a more powerful way to do this.\n\n"
            + "=head2 How do I remove HTML from a string?\n\n"
            + "Use HTML::Strip, or HTML::FormatText which not only removes HTML but also attempts to do a little"
            + " simple formatting of the resulting plain text.\n";

    private static final String RST = "Library FAQ\n===========\n\n"
            + "Where is the math.py (socket.py, regex.py, etc.) source file?\n"
            + "--------------------------------------------------------------\n\n"
            + "If you can't find a source file for a module it may be a built-in or dynamically loaded module"
            + " implemented in C, C++ or other compiled language.  In this case you may not have the source file.\n";

    @Test
    void faqHeadingsBecomeQuestionsWhoseAnswerQuotesTheSection() {
        List<ChatExamples.Qa> qas = ChatExamples.questions(
                List.of(
                        new DemoCorpus.Document("perl/perlfaq9.pod", "perl-doc", FAQ, false),
                        new DemoCorpus.Document("python/faq/library.rst.txt", "python3.11-doc", RST, false)),
                new SplittableRandom(1));
        assertThat(qas)
                .extracting(ChatExamples.Qa::question)
                .contains(
                        "How do I fetch an HTML file?",
                        "How do I remove HTML from a string?",
                        "Where is the math.py (socket.py, regex.py, etc.) source file?");
        for (ChatExamples.Qa qa : qas) {
            assertThat(qa.section().text()).contains(qa.answer());
            assertThat(qa.section().text()).contains(qa.section().title());
        }
    }

    @Test
    void aRenderedExampleIsTokenForTokenWhatTheChatPathEncodesForTheSameMessages() {
        ChatExamples chat = new ChatExamples(tokenizer);
        SplittableRandom rnd = new SplittableRandom(3);
        List<ChatExamples.Qa> qas = ChatExamples.questions(
                List.of(new DemoCorpus.Document("perl/perlfaq9.pod", "perl-doc", FAQ, false)), rnd);
        ChatPromptEncoder encoder = new ChatPromptEncoder(ChatTemplate.load(DEMO), tokenizer, 2048, "demo");
        for (ChatExamples.Layout layout : ChatExamples.Layout.values()) {
            List<ChatExamples.Message> messages = new ArrayList<>();
            messages.add(new ChatExamples.Message("system", ChatExamples.SAMPLE_SYSTEM));
            messages.addAll(chat.ragTurn(qas.get(0), List.of(qas.get(1).section()), layout, rnd));
            int[] prompt = chat.prompt(messages);
            List<ChatMessage> asChat = new ArrayList<>();
            for (ChatExamples.Message m : messages.subList(0, messages.size() - 1)) {
                asChat.add(new ChatMessage(m.role(), m.content(), List.of(), null, null));
            }
            assertThat(prompt).containsExactly(encoder.encode(asChat).tokens());
            // the benchmark's task files hold this text; encoded with the BOS it is the same prompt
            assertThat(tokenizer.encode(ChatExamples.chatml(messages.subList(0, messages.size() - 1)), true))
                    .containsExactly(prompt);
            ChatExamples.Example e = chat.render(messages, 0.25f);
            assertThat(java.util.Arrays.copyOf(e.ids(), prompt.length)).containsExactly(prompt);
            String answer = tokenizer.decode(onlyWeighted(e, 1f), false);
            assertThat(answer).isEqualTo(qas.get(0).answer() + "<|im_end|>");
        }
    }

    @Test
    void theLayoutsAreTheFrameworksOwnTemplates() {
        String l4j = ChatExamples.Layout.LANGCHAIN4J.userMessage("Q?", List.of("a", "b"));
        assertThat(l4j).isEqualTo("Q?\n\nAnswer using the following information:\na\n\nb");
        String spring = ChatExamples.Layout.SPRING_AI.userMessage("Q?", List.of("a", "b"));
        assertThat(spring)
                .startsWith("Q?\n\nContext information is below, surrounded by ---------------------\n\n"
                        + "---------------------\na\nb\n---------------------\n\n")
                .endsWith("inform\nthe user that you can't answer the question.\n");
    }

    private static int[] onlyWeighted(ChatExamples.Example e, float weight) {
        return java.util.stream.IntStream.range(0, e.ids().length)
                .filter(i -> e.weights()[i] == weight)
                .map(i -> e.ids()[i])
                .toArray();
    }
}
