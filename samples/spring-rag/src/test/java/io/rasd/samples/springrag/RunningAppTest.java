package io.rasd.samples.springrag;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The app on a random port with the demo models and documents; each test starts once ingestion is done. The test
 * classes extending it share one application context (Spring caches it), so the app starts once per run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(RecordingListener.class)
abstract class RunningAppTest {

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
