package io.rasd.cli;

import io.rasd.RasdException;
import io.rasd.text.ChatMessage;
import io.rasd.text.ChatTemplate;
import io.rasd.text.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** How a command gets its prompt: text, a file or raw ids, optionally through the chat template. */
final class PromptOptions {

    static final class Source {
        @Option(
                names = "--prompt",
                paramLabel = "TEXT",
                description = "Prompt text, encoded as the HF tokenizer does by default (special tokens added)")
        String text;

        @Option(names = "--prompt-file", paramLabel = "FILE", description = "Read the prompt text from a file")
        Path file;

        @Option(names = "--prompt-ids", paramLabel = "1,2,3", description = "Token ids used verbatim (no BOS added)")
        String ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--chat", description = "Render the prompt as one user message through the chat template")
    boolean chat;

    int[] ids(Tokenizer tokenizer, Path modelDir) throws IOException {
        if (source.ids != null) {
            if (chat) {
                throw new RasdException(
                        "--chat renders text through the chat template; it cannot be combined with" + " --prompt-ids");
            }
            return PromptIds.parse(source.ids);
        }
        String text;
        if (source.file != null) {
            if (!Files.isRegularFile(source.file)) {
                throw new RasdException("--prompt-file " + source.file + " does not exist or is not a file");
            }
            text = Files.readString(source.file, StandardCharsets.UTF_8);
        } else {
            text = source.text;
        }
        if (text.isBlank()) {
            throw new RasdException("The prompt is empty; give some text with --prompt or --prompt-file");
        }
        if (chat) {
            ChatTemplate template = ChatTemplate.load(modelDir);
            String rendered = template.render(List.of(new ChatMessage("user", text)), true);
            return tokenizer.encode(rendered, false);
        }
        return tokenizer.encode(text, true);
    }
}
