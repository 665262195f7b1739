package io.outport.console;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The console in a real browser: Debian's Chromium, headless, driven through its chromedriver against the
 * running service (real PostgreSQL, real S3). Skipped outside CI on a machine without them; CI installs them.
 */
@QuarkusTest
class ConsoleTest {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("OUTPORT_CHROMIUM", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getenv().getOrDefault("OUTPORT_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static ChromeDriver browser;

    @TestHTTPResource("/console")
    URL console;

    @BeforeAll
    static void startBrowser() {
        browser = browser();
    }

    /** A new headless Chromium (skips the test where there is none, except on CI, where it fails). */
    static ChromeDriver browser() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
        if (!present && System.getenv("CI") != null) {
            fail("CI must have Chromium and its driver (.ci/run installs chromium and chromium-driver)");
        }
        Assumptions.assumeTrue(present, "no Chromium here: install chromium and chromium-driver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static WebDriverWait waiting(int seconds) {
        return waiting(browser, seconds);
    }

    static WebDriverWait waiting(WebDriver driver, int seconds) {
        // Rows are re-rendered as events arrive: an element found a moment ago may have been replaced.
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(50));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return wait;
    }

    private static WebElement visible(String css) {
        return visible(browser, css);
    }

    static WebElement visible(WebDriver driver, String css) {
        return waiting(driver, 30).until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    private static String text(String css) {
        // Found and read in one step, again if the row was re-rendered in between (stale).
        return waiting(10).until(d -> d.findElement(By.cssSelector(css)).getText());
    }

    /** Opens the console signed out (signing out through the page if the tab still holds a key). */
    private void openSignedOut() {
        browser.get(console.toString());
        Object held = ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('outport.apiKey')");
        if (held != null) {
            // The page signs in with the key it holds: wait for that, then sign out as a user would.
            visible("#sign-out").click();
        }
        visible("#api-key");
    }

    /** Signs in with the keyboard only: the key field has the focus when the page opens. */
    private void signIn(String key) {
        openSignedOut();
        browser.navigate().refresh();
        WebElement field = visible("#api-key");
        waiting(10).until(d -> field.equals(d.switchTo().activeElement()));
        browser.switchTo().activeElement().sendKeys(key + Keys.ENTER);
        try {
            visible("#app");
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("not signed in: '" + text("#sign-in-error") + "', notice '" + text("#notice")
                    + "', log " + browser.manage().logs().get("browser").getAll(), e);
        }
    }

    private static String newestId() {
        return waiting(30).until(d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#exports tbody tr"));
            return rows.isEmpty() ? null : rows.get(0).getAttribute("id").substring("export-".length());
        });
    }

    private static void setValue(String css, String value) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1]",
                browser.findElement(By.cssSelector(css)), value);
    }

    private static long exportsOf(String tenantId) {
        return Exports.count("select count(*) from export where tenant_id = '" + tenantId + "'");
    }

    @Test
    void aWrongKeyShowsTheApisMessageAndTheKeyIsKeptInTheTabOnly() {
        openSignedOut();
        visible("#api-key").sendKeys("op_not-a-real-key" + Keys.ENTER);
        waiting(10).until(d -> !text("#sign-in-error").isEmpty());
        assertTrue(text("#sign-in-error").toLowerCase().contains("key"), text("#sign-in-error"));
        assertFalse(browser.findElement(By.id("app")).isDisplayed());

        Api.TenantKey t = Api.newTenantWithKey();
        signIn(t.key());
        assertEquals(t.key(), ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('outport.apiKey')"));
        assertEquals(0L, ((JavascriptExecutor) browser).executeScript("return localStorage.length"));
        assertTrue(browser.manage().getCookies().isEmpty(), "no cookie");
        assertFalse(browser.getCurrentUrl().contains(t.key()), "never in a URL");
        browser.findElement(By.id("sign-out")).click();
        visible("#sign-in");
        assertNull(((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('outport.apiKey')"));
    }

    @Test
    void createAnExportWatchTheBarReachAHundredAndDownloadItsPart() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 2000, 50);
        signIn(t.key());
        // The datasets come from the API; a form of labelled fields.
        assertTrue(browser.findElements(By.cssSelector("#dataset option")).stream()
                .anyMatch(o -> o.getText().equals("events")));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("dataset"))).selectByVisibleText("events");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("format"))).selectByValue("csv");
        browser.findElement(By.id("filter-type")).sendKeys("purchase, refund");
        browser.findElement(By.id("create-button")).click();
        String id = newestId();
        String row = "#export-" + id;
        waiting(60).until(d -> d.findElement(By.cssSelector(row + " .status")).getText().equals("completed"));
        assertEquals("100", browser.findElement(By.cssSelector(row + " .track")).getAttribute("aria-valuenow"));
        assertEquals("100 %", text(row + " .pct"));
        WebElement link = visible(row + " .files a");
        assertEquals("Part 1", link.getText().substring(0, 6));
        String csv = Exports.gunzip(Exports.fetch(link.getAttribute("href")));
        long expected = Exports.count("select count(*) from event where tenant_id = '" + t.tenantId()
                + "' and type in ('purchase', 'refund')");
        assertTrue(csv.startsWith("id,type,occurred_at,user_id,properties,received_at\r\n"), csv.substring(0, 60));
        assertEquals(expected, csv.split("\r\n").length - 1, "the part holds the filtered rows");
        assertTrue(text(row).contains(String.format(java.util.Locale.US, "%,d rows", expected)), text(row));

        // The page as a phone shows it, and the screenshot for the README.
        ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(shot.toPath(), Path.of("target/console.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new Dimension(390, 844));
        assertTrue(browser.findElement(By.cssSelector(row + " .files a")).isDisplayed(), "usable on a phone-sized window");
        long width = (Long) ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollWidth");
        assertTrue(width <= 390, "nothing wider than the window: " + width);
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    @Test
    void validationErrorsShowNextToTheirFieldAndADoubleClickCreatesOneExport() {
        Api.TenantKey t = Api.newTenantWithKey();
        signIn(t.key());
        long before = exportsOf(t.tenantId());
        setValue("#from", "2026-02-01T00:00:00");
        setValue("#to", "2026-01-01T00:00:00");
        browser.findElement(By.id("create-button")).click();
        WebElement error = visible("[id='err-filters.from']");
        assertTrue(error.getText().contains("must be before filters.to"), error.getText());
        assertEquals("true", browser.findElement(By.id("from")).getAttribute("aria-invalid"));
        assertEquals(before, exportsOf(t.tenantId()), "nothing created");

        setValue("#from", "");
        setValue("#to", "");
        new Actions(browser).doubleClick(browser.findElement(By.id("create-button"))).perform();
        newestId();
        Exports.pause(1000);
        assertEquals(before + 1, exportsOf(t.tenantId()), "one export for a double click");
        assertEquals("", text("[id='err-filters.from']"));
    }

    @Test
    void aBigExportsFinishedPartsDownloadWhileItRunsAndItIsCanceledFromItsRow() {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 1_500_000, 0);
        signIn(t.key());
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("compression"))).selectByValue("none");
        WebElement size = browser.findElement(By.id("max-file-mib"));
        size.clear();
        size.sendKeys("5");
        browser.findElement(By.id("create-button")).click();
        String row = "#export-" + newestId();
        // The progress cell keeps its size as the numbers change: nothing moves.
        String firstText = waiting(60).until(d -> {
            String pct = text(row + " .pct");
            return pct.contains("left") ? pct : null;
        });
        WebElement track = browser.findElement(By.cssSelector(row + " .track"));
        List<Integer> before = List.of(track.getRect().getX(), track.getRect().getWidth(), track.getRect().getHeight());
        waiting(60).until(d -> !text(row + " .pct").equals(firstText));
        WebElement moved = browser.findElement(By.cssSelector(row + " .track"));
        assertEquals(before, List.of(moved.getRect().getX(), moved.getRect().getWidth(), moved.getRect().getHeight()),
                "the bar keeps its place and size as progress updates");
        // A finished part appears, and downloads, while the export still runs.
        WebElement part = visible(row + " .files a");
        assertEquals("processing", text(row + " .status"));
        String first = new String(Exports.fetch(part.getAttribute("href")), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(first.startsWith("{\"id\":"), first.substring(0, 20));
        visible(row + " button.cancel").click();
        waiting(30).until(d -> d.findElement(By.cssSelector(row + " .status")).getText().equals("canceled"));
        assertTrue(browser.findElements(By.cssSelector(row + " button.cancel")).isEmpty(), "no cancel once canceled");
        assertEquals("canceled", Exports.stringOf("select status from export where tenant_id = '" + t.tenantId() + "'"));
        waiting(10).until(d -> text("#announcer").endsWith("is canceled")); // the aria-live region says it
    }

    @Test
    void aKeyRevokedMidSessionSignsOutWithTheApisMessage() {
        String tenant = Api.newTenant("revoked-" + System.nanoTime());
        Map<String, Object> issued = Api.admin().post("/admin/v1/tenants/" + tenant + "/api-keys").then().statusCode(201)
                .extract().jsonPath().getMap("");
        signIn((String) issued.get("key"));
        Api.admin().delete("/admin/v1/api-keys/" + issued.get("id")).then().statusCode(204);
        // The sign-out may hide the refresh button between the look and the click.
        waiting(20).ignoring(org.openqa.selenium.ElementNotInteractableException.class).until(d -> {
            if (d.findElement(By.id("sign-in")).isDisplayed()) {
                return true;
            }
            d.findElement(By.id("refresh")).click(); // keys are cached for up to 2 s on each replica
            Exports.pause(300);
            return false;
        });
        assertTrue(text("#sign-in-error").startsWith("Signed out:"), text("#sign-in-error"));
    }

    @Test
    void aStreamThatDropsIsResumedWithLastEventId() {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 20_000, 50);
        signIn(t.key());
        // The network drops the first event stream after its first chunk; the page must reconnect with the id
        // of the last event it saw, and still follow the export to its end.
        ((JavascriptExecutor) browser).executeScript("""
                window.__streams = [];
                const original = window.fetch;
                window.fetch = async (url, init) => {
                  const res = await original(url, init);
                  if (!String(url).endsWith('/events')) return res;
                  window.__streams.push((init && init.headers && init.headers['Last-Event-ID']) || null);
                  if (window.__streams.length > 1) return res;
                  // Pass on what arrives until the first whole event, then lose the connection.
                  const reader = res.body.getReader();
                  const chunks = [];
                  let seen = '';
                  while (!seen.includes('\\n\\n')) {
                    const { value, done } = await reader.read();
                    if (done) break;
                    chunks.push(value);
                    seen += new TextDecoder().decode(value);
                  }
                  reader.cancel();
                  let next = 0;
                  const body = new ReadableStream({ pull(c) {
                    if (next < chunks.length) c.enqueue(chunks[next++]); else c.error(new TypeError('network lost'));
                  } });
                  return new Response(body, { status: res.status, headers: res.headers });
                };""");
        browser.findElement(By.id("create-button")).click();
        String row = "#export-" + newestId();
        waiting(60).until(d -> d.findElement(By.cssSelector(row + " .status")).getText().equals("completed"));
        @SuppressWarnings("unchecked")
        List<Object> streams = (List<Object>) ((JavascriptExecutor) browser).executeScript("return window.__streams");
        assertTrue(streams.size() >= 2, "reconnected: " + streams);
        assertNull(streams.get(0), "the first stream starts afresh");
        assertTrue(String.valueOf(streams.get(1)).matches("[1-9][0-9]*"), "the reconnect carries Last-Event-ID: " + streams);
    }
}
