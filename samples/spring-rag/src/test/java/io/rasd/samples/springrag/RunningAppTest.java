package io.rasd.samples.springrag;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The app on a random port with the demo models and documents; each test starts once ingestion is done. The test
 * classes extending it share one application context (Spring caches it), so the app starts once per run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(RunningAppTest.Recording.class)
abstract class RunningAppTest {

    /** Every chat request the rasd chat model receives (the starter attaches ChatModelListener beans). */
    static final class RecordingListener implements ChatModelListener {
        final List<ChatRequest> requests = new CopyOnWriteArrayList<>();

        @Override
        public void onRequest(ChatModelRequestContext context) {
            requests.add(context.chatRequest());
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Recording {
        @Bean
        RecordingListener recordingListener() {
            return new RecordingListener();
        }
    }

    @Autowired
    RecordingListener recorded;

    @TempDir
    static Path storeDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestApp.properties(registry, storeDir);
    }

    @LocalServerPort
    int port;

    @Autowired
    Readiness readiness;

    @BeforeEach
    void waitForIngestion() throws InterruptedException {
        TestApp.awaitIngestion(readiness);
    }

    String url(String path) {
        return "http://localhost:" + port + path;
    }
}
