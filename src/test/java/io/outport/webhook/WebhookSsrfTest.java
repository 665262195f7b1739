package io.outport.webhook;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.StrictNoWorker;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** With the production rules (no OUTPORT_WEBHOOKS_ALLOW_PRIVATE): private targets refused at registration and at delivery. */
@QuarkusTest
@TestProfile(StrictNoWorker.class)
class WebhookSsrfTest {

    private static void refused(String key, String url, String message) {
        Api.as(key).contentType(ContentType.JSON).body(Map.of("url", url)).post("/v1/webhooks").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", equalTo(java.util.List.of("url")))
                .body("errors[0].message", containsString(message));
    }

    @Test
    void privateAndOddTargetsAreRefusedAtRegistration() throws Exception {
        String key = Api.newTenantKey();
        refused(key, "http://example.com/hook", "https");
        refused(key, "https://127.0.0.1/hook", "public address");
        refused(key, "https://169.254.169.254/latest/meta-data/", "public address");
        refused(key, "https://[::1]:8443/", "public address");
        refused(key, "https://localhost/", "public address");
        refused(key, "https://2130706433/", "usual form");
        refused(key, "https://no-such-host.invalid/hook", "does not resolve");
        String host = InetAddress.getLocalHost().getHostName();
        Assumptions.assumeFalse(WebhookUrls.isPublic(InetAddress.getByName(host)), "this machine's name resolves privately");
        refused(key, "https://" + host + "/hook", "public address");
        Api.as(key).get("/v1/webhooks").then().body("data", empty());
    }

    @Test
    void anEndpointThatResolvesPrivatelyAtDeliveryIsNotCalled() throws Exception {
        // As after DNS rebinding: the name was public when registered (here: written directly), private now.
        String host = InetAddress.getLocalHost().getHostName();
        Assumptions.assumeFalse(WebhookUrls.isPublic(InetAddress.getByName(host)), "this machine's name resolves privately");
        Api.TenantKey t = Api.newTenantWithKey();
        String webhookId = io.outport.platform.UuidV7.next().toString();
        Exports.sql("insert into webhook_endpoint (id, tenant_id, url, events, secret) values ('" + webhookId + "', '"
                + t.tenantId() + "', 'https://" + host + ":1/hook', array['export.canceled'], '"
                + WebhookSignature.newSecret() + "')");
        String exportId = Exports.parkedExport(t.tenantId());
        Api.as(t.key()).post("/v1/exports/" + exportId + "/cancel").then().statusCode(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonPath log;
        do {
            Exports.pause(100);
            log = Api.as(t.key()).get("/v1/webhooks/" + webhookId + "/deliveries").then().statusCode(200).extract().jsonPath();
        } while (log.get("data[0].last_error") == null && System.nanoTime() < deadline);
        assertThat(log.getString("data[0].last_error"), containsString("non-public address"));
        assertNull(log.get("data[0].last_response_status"), "no request was made");
        assertEquals("pending", log.getString("data[0].status"), "retried later: the name may resolve publicly again");
    }

    private static <T> void assertThat(T actual, org.hamcrest.Matcher<? super T> matcher) {
        org.hamcrest.MatcherAssert.assertThat(actual, matcher);
    }
}
