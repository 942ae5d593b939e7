package io.rasd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EagleChatPromptsTest {

    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.load(Path.of("../models/demo-target"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** A perl FAQ with questions as headings, and a Java source with enough lines to cut a completion from. */
    private static List<DemoCorpus.Document> split(String tag, boolean heldOut) {
        StringBuilder pod = new StringBuilder("=head1 NAME\n\n" + tag + " questions\n\n");
        for (int i = 0; i < 6; i++) {
            pod.append("=head2 How do I use the ")
                    .append(tag)
                    .append(" feature number ")
                    .append(i)
                    .append("?\n\nYou call the ")
                    .append(tag)
                    .append(" function ")
                    .append(i)
                    .append(" with its arguments, then read what it returns. The answer is a section body of more")
                    .append(" than a hundred characters, as the section parser wants.\n\n");
        }
        StringBuilder java = new StringBuilder("public class " + tag + "Source {\n");
        for (int i = 0; i < 80; i++) {
            java.append("    int ")
                    .append(tag)
                    .append("Field")
                    .append(i)
                    .append(" = ")
                    .append(i)
                    .append(";\n");
        }
        java.append("}\n");
        return List.of(
                new DemoCorpus.Document("perl/perlfaq" + tag + ".pod", "perl-doc", pod.toString(), heldOut),
                new DemoCorpus.Document("jdk/" + tag + "Source.java", "openjdk-17-source", java.toString(), heldOut));
    }

    @Test
    void promptsAreConversationsUpToTheAssistantsTurnFromTheirOwnSplitOnly() {
        List<DemoCorpus.Document> docs = new java.util.ArrayList<>(split("Train", false));
        docs.addAll(split("Held", true));
        EagleChatPrompts prompts = EagleChatPrompts.of(tok, docs);
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < 20; i++) {
            for (boolean heldOut : new boolean[] {false, true}) {
                int[] ids = prompts.prompt(heldOut, 1024, rnd);
                assertThat(ids.length).isLessThanOrEqualTo(1024);
                assertThat(ids[0]).isEqualTo(tok.bosTokenId().orElseThrow());
                String text = tok.decode(ids, false);
                assertThat(text).endsWith("<|im_start|>assistant\n");
                assertThat(text).contains("<|im_start|>user\n");
                assertThat(text).contains(heldOut ? "Held" : "Train").doesNotContain(heldOut ? "Train" : "Held");
            }
        }
    }

    @Test
    void aLimitNoConversationFitsUnderIsRefusedNamingTheOption() {
        EagleChatPrompts prompts = EagleChatPrompts.of(tok, split("Train", false));
        assertThatThrownBy(() -> prompts.prompt(false, 8, new SplittableRandom(1)))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("raise --seq-len");
        assertThatThrownBy(() -> prompts.prompt(true, 1024, new SplittableRandom(1)))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("held-out documents hold too few sections");
    }
}
