package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page in a real headless Chromium: a question streams into coloured token spans, the stats and sources
 * show, the comparison with plain decoding finds the same text, and an API error is displayed. Needs Debian's
 * chromium and chromium-driver; without them the test is skipped (or fails, with RASD_REQUIRE_BROWSER=1).
 */
@EnabledIf(value = "browserInstalledOrRequired", disabledReason = PageBrowserTest.MISSING)
class PageBrowserTest extends RunningAppTest {

    static final String MISSING = "Chromium and its driver are needed at /usr/bin/chromium and /usr/bin/chromedriver;"
            + " install them with: sudo apt-get install chromium chromium-driver";

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String QUESTION = "Why is Python slow?";
    private static final int MAX_TOKENS = 64;
    private static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(2);
    private static final Set<String> ORIGIN_CLASSES = Set.of("tok-draft", "tok-pld", "tok-datastore", "tok-target");

    private static WebDriver driver;

    private final HttpClient http = HttpClient.newHttpClient();

    private static boolean browserInstalled() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** Skips the class (before the app starts) without a browser, unless RASD_REQUIRE_BROWSER=1 asks for one. */
    static boolean browserInstalledOrRequired() {
        return browserInstalled() || "1".equals(System.getenv("RASD_REQUIRE_BROWSER"));
    }

    @BeforeAll
    static void startBrowser(@TempDir Path profile) {
        if (!browserInstalled()) {
            fail(MISSING + " (RASD_REQUIRE_BROWSER=1 makes this a failure)");
        }
        // a driver of our own: Selenium Manager never looks for (or downloads) one
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=1280,900");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stopBrowser() {
        if (driver != null) {
            driver.quit();
            driver = null;
        }
    }

    /** The greedy text plain decoding gives the same question with retrieval, asked without the page. */
    private String plainDecodingText() throws Exception {
        JsonObject message = new JsonObject();
        message.addProperty("role", "user");
        message.addProperty("content", QUESTION);
        JsonArray messages = new JsonArray();
        messages.add(message);
        JsonObject rasd = new JsonObject();
        rasd.addProperty("rag", true);
        rasd.addProperty("mode", "ar");
        JsonObject body = new JsonObject();
        body.add("messages", messages);
        body.addProperty("max_tokens", MAX_TOKENS);
        body.addProperty("temperature", 0);
        body.add("rasd", rasd);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return CompletionBodies.content(r.body());
    }

    private WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    private Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** Opens the page fresh and asks: question, max tokens, compare on or off. */
    private void ask(String maxTokens, boolean compare) {
        driver.get(url("/"));
        byId("question").sendKeys(QUESTION);
        WebElement max = byId("max-tokens");
        max.clear();
        max.sendKeys(maxTokens);
        if (byId("compare").isSelected() != compare) {
            byId("compare").click();
        }
        assertThat(byId("rag").isSelected()).as("RAG is on by default").isTrue();
        assertThat(new Select(byId("mode")).getFirstSelectedOption().getDomAttribute("value"))
                .as("rasd is the default mode")
                .isEqualTo("rasd");
        byId("send").click();
    }

    /** Waits until element {@code id} has one of the {@code data-state}s and returns it. */
    private String awaitState(String id, String... states) {
        List<String> wanted = List.of(states);
        return new WebDriverWait(driver, ANSWER_TIMEOUT).until(d -> {
            String s = d.findElement(By.id(id)).getDomAttribute("data-state");
            return wanted.contains(s) ? s : null;
        });
    }

    private double number(String id) {
        String text = byId(id).getText().trim();
        assertThat(text).as("#" + id + " shows a number").matches("\\d+(\\.\\d+)?");
        return Double.parseDouble(text);
    }

    @Test
    void anAnswerStreamsInColouredTokensWithStatsSourcesAndTheSameTextAsPlainDecoding() throws Exception {
        String expected = plainDecodingText();
        assertThat(expected).isNotBlank();

        ask(String.valueOf(MAX_TOKENS), true);
        String state = awaitState("answer", "done", "error");
        assertThat(state)
                .as("the answer finished; #error says: %s", byId("error").getText())
                .isEqualTo("done");
        String comparison = awaitState("comparison", "done", "error");
        assertThat(comparison)
                .as("the comparison finished; #error says: %s", byId("error").getText())
                .isEqualTo("done");

        // the answer is the greedy text, all of it in spans coloured by origin
        String answer = (String) script("return document.getElementById('answer').textContent");
        assertThat(answer).isNotBlank().isEqualTo(expected);
        List<WebElement> spans = driver.findElements(By.cssSelector("#answer span.tok"));
        assertThat(spans).isNotEmpty();
        StringBuilder joined = new StringBuilder();
        int origins = 0;
        for (WebElement span : spans) {
            joined.append((String) script("return arguments[0].textContent", span));
            List<String> classes = List.of(span.getDomAttribute("class").split("\\s+"));
            assertThat(classes).as("a span's classes").containsAnyElementsOf(ORIGIN_CLASSES);
            String all = span.getDomAttribute("data-origins");
            assertThat(all).as("data-origins").isNotBlank();
            String[] list = all.split(" ");
            assertThat(classes).contains("tok-" + list[list.length - 1]);
            origins += list.length;
        }
        assertThat(joined.toString()).isEqualTo(expected);
        assertThat(byId("error").isDisplayed()).isFalse();

        // stats: τ and tokens/s from the server, the token count matches the origins the spans carry
        assertThat(number("tau")).isGreaterThanOrEqualTo(1.0);
        assertThat(number("tps")).isPositive();
        assertThat((int) number("tokens")).isBetween(1, MAX_TOKENS).isGreaterThanOrEqualTo(origins);
        assertThat(byId("stats").getText())
                .contains("draft model")
                .contains("prompt lookup")
                .contains("datastore");

        // sources: file names, the text behind a click
        List<WebElement> sources = driver.findElements(By.cssSelector("#sources li"));
        assertThat(sources).isNotEmpty();
        WebElement first = sources.get(0);
        assertThat(first.findElement(By.cssSelector(".file")).getText()).isNotBlank();
        WebElement text = first.findElement(By.tagName("pre"));
        assertThat(text.isDisplayed()).isFalse();
        first.findElement(By.tagName("summary")).click();
        assertThat(text.isDisplayed()).isTrue();
        assertThat(text.getText()).isNotBlank();

        // the comparison: both wall times, the ratio, the same text
        assertThat(byId("comparison").getDomAttribute("data-identical")).isEqualTo("true");
        assertThat(byId("identical").getText()).contains("Identical");
        assertThat(byId("speedup").getText()).matches("\\d+\\.\\d\\d×");
        assertThat(driver.findElements(By.cssSelector("#comparison tbody tr"))).hasSize(2);

        List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .toList();
        assertThat(severe).as("the browser console has no errors").isEmpty();

        screenshot("page.png");
    }

    @Test
    void anApiErrorIsShownWithItsStatusAndMessage() throws IOException {
        ask("-1", false);
        assertThat(awaitState("answer", "done", "error")).isEqualTo("error");
        WebElement error = byId("error");
        assertThat(error.isDisplayed()).isTrue();
        assertThat(error.getText()).contains("HTTP 400").contains("max_tokens").contains("must be >= 1, got -1");
        assertThat(error.getDomAttribute("data-status")).isEqualTo("400");
        assertThat(byId("send").isEnabled()).as("the page can ask again").isTrue();
        screenshot("page-error.png");
    }

    @Test
    void aStreamCutAnywhereIsParsedAndAnErrorInsideItIsShown() {
        driver.get(url("/"));
        // the page's fetch, answered by a stream of our own: 3-byte pieces cut events, lines and UTF-8 characters
        script("""
                const events = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Caf\u00e9 \u2014 "},'
                  + '"finish_reason":null}],"rasd":{"origins":["draft","pld"]}}\\r\\n\\r\\n'
                  + ': a comment\\n\\n'
                  + 'data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}],'
                  + '"rasd":{"origins":["target"]}}\\n\\n'
                  + 'data: {"error":{"message":"The engine failed","type":"server_error","param":null,"code":null}}\\n\\n'
                  + 'data: [DONE]\\n\\n';
                const bytes = new TextEncoder().encode(events);
                window.fetch = async () => new Response(new ReadableStream({start(c) {
                  for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3));
                  c.close();
                }}), {status: 200, headers: {'Content-Type': 'text/event-stream'}});""");
        byId("question").sendKeys(QUESTION);
        byId("send").click();
        assertThat(awaitState("answer", "done", "error")).isEqualTo("error");
        List<WebElement> spans = driver.findElements(By.cssSelector("#answer span.tok"));
        assertThat(spans).hasSize(2);
        assertThat(script("return arguments[0].textContent", spans.get(0))).isEqualTo("Caf\u00e9 \u2014 ");
        assertThat(spans.get(0).getDomAttribute("class")).contains("tok-pld");
        assertThat(spans.get(0).getDomAttribute("data-origins")).isEqualTo("draft pld");
        assertThat(spans.get(1).getDomAttribute("class")).contains("tok-target");
        assertThat(byId("tau").getText()).isEqualTo("3.00");
        assertThat(byId("error").getText()).contains("Error during the answer").contains("The engine failed");
    }

    @Test
    void stopEndsAStreamThatIsStillRunning() {
        driver.get(url("/"));
        // one chunk, then nothing until the page aborts the request
        script("""
                window.fetch = async (url, init) => new Response(new ReadableStream({start(c) {
                  c.enqueue(new TextEncoder().encode('data: {"choices":[{"index":0,"delta":{"content":"Python"},'
                    + '"finish_reason":null}],"rasd":{"origins":["target"]}}\\n\\n'));
                  init.signal.addEventListener('abort', () => c.error(new DOMException('stopped', 'AbortError')));
                }}), {status: 200, headers: {'Content-Type': 'text/event-stream'}});""");
        byId("question").sendKeys(QUESTION);
        byId("send").click();
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(d -> !d.findElements(By.cssSelector("#answer .tok")).isEmpty());
        assertThat(byId("send").isEnabled()).isFalse();
        byId("stop").click();
        assertThat(awaitState("answer", "stopped", "done", "error")).isEqualTo("stopped");
        assertThat(byId("answer").getText()).startsWith("Python").contains("[stopped]");
        assertThat(byId("error").isDisplayed()).isFalse();
        assertThat(byId("send").isEnabled()).isTrue();
        assertThat(byId("stop").isEnabled()).isFalse();
    }

    /** The whole page, the window as tall as its content, under target/screenshots. */
    private void screenshot(String name) throws IOException {
        long chrome = (Long) script("return window.outerHeight - window.innerHeight");
        long height = (Long) script("return Math.ceil(document.documentElement.scrollHeight)");
        driver.manage().window().setSize(new Dimension(1280, (int) Math.min(height + chrome, 4000)));
        script("window.scrollTo(0, 0)");
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        driver.manage().window().setSize(new Dimension(1280, 900));
    }
}
