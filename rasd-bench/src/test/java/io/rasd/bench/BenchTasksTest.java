package io.rasd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTasksTest {

    static Path tasks(Path dir, int lines) throws IOException {
        Files.createDirectories(dir.resolve("tasks"));
        for (String task : BenchTasks.NAMES) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                sb.append("{\"prompt\": \"").append(task).append(' ').append(i).append("\"}\n\n");
            }
            Files.writeString(dir.resolve("tasks").resolve(task + ".jsonl"), sb);
        }
        return dir;
    }

    @Test
    void promptsAreSpreadOverEachTasksFileInTaskOrder(@TempDir Path dir) throws IOException {
        Map<String, List<String>> byTask = BenchTasks.load(tasks(dir, 6), 3);
        assertThat(byTask.keySet()).containsExactly("docqa", "summary", "code", "indomain-qa");
        assertThat(byTask.get("code")).containsExactly("code 0", "code 2", "code 4");
        // a task with fewer lines than asked gives all it has
        assertThat(BenchTasks.load(tasks(dir, 2), 5).get("summary")).containsExactly("summary 0", "summary 1");
    }

    @Test
    void acrossTasksTakesTheTasksInTurn() {
        Map<String, List<String>> byTask = new LinkedHashMap<>();
        byTask.put("a", List.of("a0", "a1"));
        byTask.put("b", List.of("b0"));
        byTask.put("c", List.of("c0", "c1"));
        assertThat(BenchTasks.acrossTasks(byTask)).containsExactly("a0", "b0", "c0", "a1", "c1");
    }

    @Test
    void theRepositorysTasksAreThere() throws IOException {
        Path bench = TestData.root().getParent().resolve("bench");
        Map<String, List<String>> byTask = BenchTasks.load(bench, 2);
        assertThat(byTask.values())
                .allSatisfy(p ->
                        assertThat(p).hasSize(2).allSatisfy(s -> assertThat(s).isNotBlank()));
    }

    @Test
    void aMissingTaskFileIsExplained(@TempDir Path dir) {
        assertThatThrownBy(() -> BenchTasks.load(dir, 1))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("docqa.jsonl is missing")
                .hasMessageContaining("--tasks");
    }

    @Test
    void theRepositorysDocqaPromptsAreChatConversationsCarryingTheSectionTheAnswerShouldQuote() throws IOException {
        Path bench = TestData.root().getParent().resolve("bench");
        Map<String, List<BenchTasks.Prompt>> byTask = BenchTasks.loadPrompts(bench, 4);
        assertThat(byTask.get("docqa")).allSatisfy(p -> {
            assertThat(p.text()).startsWith("<|im_start|>").endsWith("<|im_start|>assistant\n");
            assertThat(p.reference()).isNotBlank();
            assertThat(p.text()).contains(p.reference());
        });
        assertThat(byTask.get("code")).allSatisfy(p -> assertThat(p.reference()).isNull());
    }

    @Test
    void anEntryWithoutAPromptIsNamed(@TempDir Path dir) throws IOException {
        tasks(dir, 2);
        Files.writeString(dir.resolve("tasks/code.jsonl"), "{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n");
        assertThatThrownBy(() -> BenchTasks.load(dir, 2))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("code.jsonl: entry 2 has no \"prompt\" string");
    }

    @Test
    void rotationStartsOneFurtherEachTimeAndWrapsAround() {
        List<String> modes = List.of("ar", "draft", "rasd");
        assertThat(BenchTasks.rotated(modes, 0)).containsExactly("ar", "draft", "rasd");
        assertThat(BenchTasks.rotated(modes, 1)).containsExactly("draft", "rasd", "ar");
        assertThat(BenchTasks.rotated(modes, 5)).containsExactly("rasd", "ar", "draft");
        assertThat(BenchTasks.rotated(List.of(), 3)).isEmpty();
    }
}
