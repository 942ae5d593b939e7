package io.rasd.train;

import io.rasd.RasdException;
import io.rasd.text.Tokenizer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chat prompts for an EAGLE head's training data: conversations of the demo target v2's chat mix (RAG questions with
 * their retrieved sections in the frameworks' layouts, two-question conversations, code completion; {@link
 * TrainDemoModelsV2#conversation}) cut before the assistant's last answer, so the target answers them itself. A head
 * trained on 64-token corpus windows agreed with the target on 14-49% of the bench's DocQA answers at depth 1
 * (docs/benchmarks/README.md): those are 500-1,500-token chat prompts, positions and a format it never saw.
 *
 * <p>Training prompts come from the corpus' training documents, held-out ones from its held-out documents (the DocQA
 * benchmark's among them), as for the target.
 */
final class EagleChatPrompts {

    private final ChatExamples chat;
    private final Split train;
    private final Split heldOut;

    private record Split(List<ChatExamples.Qa> qas, List<String> code) {}

    private EagleChatPrompts(ChatExamples chat, Split train, Split heldOut) {
        this.chat = chat;
        this.train = train;
        this.heldOut = heldOut;
    }

    /** The demo corpus (its Debian packages must be installed: tools/demo-models/setup.sh) in the target's ids. */
    static EagleChatPrompts load(Tokenizer tok) {
        return of(tok, DemoCorpus.load());
    }

    /** Prompts from {@code docs}: training ones from those not held out, held-out ones from the rest. */
    static EagleChatPrompts of(Tokenizer tok, List<DemoCorpus.Document> docs) {
        return new EagleChatPrompts(
                new ChatExamples(tok),
                split(docs.stream().filter(d -> !d.heldOut()).toList()),
                split(docs.stream().filter(DemoCorpus.Document::heldOut).toList()));
    }

    private static Split split(List<DemoCorpus.Document> docs) {
        List<ChatExamples.Qa> qas = ChatExamples.questions(docs, new SplittableRandom(21));
        List<String> code = docs.stream()
                .filter(d -> d.id().startsWith("jdk/"))
                .map(DemoCorpus.Document::text)
                .toList();
        return new Split(qas, code);
    }

    /**
     * A conversation up to the assistant's last turn, as the chat path sends it, of at most {@code maxTokens} ids, from
     * the training or the held-out documents.
     */
    int[] prompt(boolean fromHeldOut, int maxTokens, SplittableRandom rnd) {
        Split s = fromHeldOut ? heldOut : train;
        if (s.qas().size() < 2 || s.code().isEmpty()) {
            throw new RasdException("the demo corpus' " + (fromHeldOut ? "held-out" : "training")
                    + " documents hold too few sections or no Java source for chat prompts");
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            List<ChatExamples.Message> messages = TrainDemoModelsV2.conversation(chat, s.qas(), s.code(), rnd);
            if (messages.isEmpty()) {
                continue;
            }
            int[] ids = chat.prompt(messages);
            if (ids.length <= maxTokens) {
                return ids;
            }
        }
        throw new RasdException("no chat prompt of at most " + maxTokens + " tokens in 1000 draws: raise --seq-len");
    }
}
