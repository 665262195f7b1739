package io.outport.console;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.IdentityProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The console opened from a portal link, in a real headless Chromium, branded as the product: no key typed, the
 * code gone from the address bar and the history, a read-only session without create or cancel, the product's
 * title, logo and accent, a link back, and a revoked session signed out with the API's message.
 */
@QuarkusTest
@TestProfile(ConsolePortalTest.Branded.class)
class ConsolePortalTest {

    /** The product's branding, and framing allowed for the product's own origin. */
    public static class Branded implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("outport.console.title", "Acme", "outport.console.accent", "#aa3300",
                    "outport.console.logo-url", IdentityProvider.logoUrl(),
                    "outport.console.frame-ancestors", "https://app.example.com");
        }
    }

    private static ChromeDriver browser;

    @BeforeAll
    static void startBrowser() {
        browser = ConsoleTest.browser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static String link(String tenant, Map<String, Object> body) {
        return Api.admin().contentType(ContentType.JSON).body(body).post("/admin/v1/tenants/" + tenant + "/portal-links")
                .then().statusCode(201).extract().path("url");
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    @Test
    void aReadOnlyPortalLinkOpensTheBrandedConsoleWithoutAKeyAndLeavesNoCodeBehind() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String parked = Exports.parkedExport(t.tenantId());
        String url = link(t.tenantId(), Map.of("read_only", true, "return_url", "https://app.example.com/settings"));
        String code = url.substring(url.indexOf("#code=") + 6);
        browser.get("data:text/html,<p>the product</p>");
        browser.get(url);
        ConsoleTest.visible(browser, "#app");
        // Signed in from the link: no key field was shown or typed into.
        assertFalse(browser.findElement(By.id("sign-in")).isDisplayed());
        assertFalse(browser.findElement(By.id("api-key")).isDisplayed());
        assertEquals("", browser.findElement(By.id("api-key")).getAttribute("value"));
        // The code is gone from the address bar, and the history entry was replaced rather than added.
        assertFalse(browser.getCurrentUrl().contains(code), browser.getCurrentUrl());
        assertTrue(browser.getCurrentUrl().endsWith("/console"), browser.getCurrentUrl());
        browser.navigate().back();
        assertTrue(browser.getCurrentUrl().startsWith("data:"), browser.getCurrentUrl());
        browser.navigate().forward();
        assertFalse(browser.getCurrentUrl().contains(code), browser.getCurrentUrl());
        ConsoleTest.visible(browser, "#app");
        // Read-only: the parked export is listed, without a cancel button, and there is no create form.
        ConsoleTest.visible(browser, "#export-" + parked);
        assertTrue(browser.findElements(By.cssSelector("#export-" + parked + " button.cancel")).isEmpty());
        assertFalse(browser.findElement(By.id("create-section")).isDisplayed());
        // Branded: title, logo (loaded: the policy allows exactly it), accent, and the link back.
        assertEquals("Acme exports", browser.findElement(By.id("title")).getText());
        WebElement logo = ConsoleTest.visible(browser, "#logo");
        assertEquals(given().get("/console/branding.json").then().extract().path("logo_url"), logo.getAttribute("src"));
        ConsoleTest.waiting(browser, 10).until(d -> ((Number) js("return document.getElementById('logo').naturalWidth")).intValue() == 24);
        assertEquals("rgba(170, 51, 0, 1)", browser.findElement(By.id("sign-out")).getCssValue("color"));
        WebElement back = ConsoleTest.visible(browser, "#back");
        assertEquals("Back to Acme", back.getText());
        assertEquals("https://app.example.com/settings", back.getAttribute("href"));
        // The session is in the tab only; the code is nowhere in it.
        assertNotNull(js("return sessionStorage.getItem('outport.apiKey')"));
        assertFalse(String.valueOf(js("return JSON.stringify(sessionStorage)")).contains(code));
        Path shot = Path.of("target", "console-portal.png");
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));

        // The link was single-use: opening it again says so.
        browser.get(url);
        ConsoleTest.waiting(browser, 10).until(d -> d.findElement(By.id("portal-status")).getText().contains("used, expired or unknown"));
        assertFalse(browser.findElement(By.id("app")).isDisplayed());
    }

    @Test
    void aFullSessionCanCreateAndCancelAndARevokedSessionSignsOutWithTheApisMessage() {
        Api.TenantKey t = Api.newTenantWithKey();
        String parked = Exports.parkedExport(t.tenantId());
        browser.get(link(t.tenantId(), Map.of()));
        ConsoleTest.visible(browser, "#app");
        assertTrue(ConsoleTest.visible(browser, "#create-section").isDisplayed());
        ConsoleTest.visible(browser, "#export-" + parked + " button.cancel").click();
        ConsoleTest.waiting(browser, 10).until(d -> d.findElement(By.id("export-" + parked)).getText().contains("canceled"));
        assertFalse(browser.findElement(By.id("back")).isDisplayed(), "no return_url, no link back");
        Api.admin().post("/admin/v1/tenants/" + t.tenantId() + "/tokens/revoke").then().statusCode(204);
        // Refreshes until the console signs out; the sign-out may hide the refresh button between two looks.
        ConsoleTest.waiting(browser, 15).ignoring(org.openqa.selenium.ElementNotInteractableException.class).until(d -> {
            if (d.findElement(By.id("sign-in")).isDisplayed()) {
                return true;
            }
            d.findElement(By.id("refresh")).click();
            return d.findElement(By.id("sign-in")).isDisplayed();
        });
        assertTrue(browser.findElement(By.id("sign-in-error")).getText().contains("revoked"),
                browser.findElement(By.id("sign-in-error")).getText());
    }

    @Test
    void thePagesPolicyAllowsExactlyTheLogoAndTheProductsFrame() {
        var headers = given().get("/console").then().statusCode(200).extract().headers();
        String csp = headers.getValue("Content-Security-Policy");
        // The logo's URL as the service was configured with it (the test's provider may run in another class loader).
        String logo = given().get("/console/branding.json").then().extract().path("logo_url");
        assertTrue(logo.endsWith("/logo.png"), logo);
        assertTrue(csp.contains("img-src 'self' data: " + logo + ";"), csp);
        assertTrue(csp.contains("frame-ancestors https://app.example.com"), csp);
        assertTrue(csp.contains("connect-src 'self';"), csp);
        assertNull(headers.getValue("X-Frame-Options"));
        given().get("/console/branding.json").then().statusCode(200)
                .body("title", org.hamcrest.Matchers.equalTo("Acme")).body("accent", org.hamcrest.Matchers.equalTo("#aa3300"));
    }
}
