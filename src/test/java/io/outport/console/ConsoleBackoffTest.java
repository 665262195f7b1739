package io.outport.console;

import io.outport.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.URL;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console under a rate limit: a 429 is waited out as its Retry-After says, with a notice, not an error. */
@QuarkusTest
@TestProfile(ConsoleBackoffTest.FewReads.class)
class ConsoleBackoffTest {

    /** Five reads a minute per tenant. */
    public static class FewReads implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("outport.rate-limit.reads-per-minute", "5");
        }
    }

    @TestHTTPResource("/console")
    URL console;

    @Test
    void aRateLimitedPageBacksOffAndSaysSo() {
        ChromeDriver browser = ConsoleTest.browser();
        try {
            Api.TenantKey t = Api.newTenantWithKey();
            browser.get(console.toString());
            ConsoleTest.visible(browser, "#api-key").sendKeys(t.key() + Keys.ENTER);
            ConsoleTest.visible(browser, "#app");
            // Each refresh is a read: the sixth within the minute is refused with a Retry-After.
            for (int i = 0; i < 6; i++) {
                browser.findElement(By.id("refresh")).click();
            }
            WebElement notice = ConsoleTest.visible(browser, "#notice");
            assertTrue(notice.getText().startsWith("The service asks to slow down: retrying in "), notice.getText());
            assertTrue(browser.findElement(By.id("app")).isDisplayed(), "still signed in");
        } finally {
            browser.quit();
        }
    }
}
