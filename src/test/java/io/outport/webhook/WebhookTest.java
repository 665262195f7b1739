package io.outport.webhook;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.Receiver;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** Webhooks: endpoints of a tenant, signed deliveries from the outbox, retries, slow and redirecting receivers. */
@QuarkusTest
class WebhookTest {

    static String register(String key, String url, String... events) {
        Map<String, Object> b = events.length == 0 ? Map.of("url", url) : Map.of("url", url, "events", List.of(events));
        return Api.as(key).contentType(ContentType.JSON).body(b).post("/v1/webhooks")
                .then().statusCode(201).extract().path("secret") + " " + Api.as(key).get("/v1/webhooks")
                .then().statusCode(200).extract().path("data[0].id");
    }

    /** Checks a Standard Webhooks signature the way a receiver does, with the JDK's HMAC. */
    static void verify(String secret, Receiver.Received r) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        String signed = r.header("webhook-id") + "." + r.header("webhook-timestamp") + "." + r.body();
        String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, r.header("webhook-signature"));
        long age = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(r.header("webhook-timestamp")));
        assertTrue(age < 300, "the timestamp is now");
    }

    static JsonPath deliveries(String key, String webhookId) {
        return Api.as(key).get("/v1/webhooks/" + webhookId + "/deliveries").then().statusCode(200).extract().jsonPath();
    }

    static JsonPath awaitDelivery(String key, String webhookId, String status) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonPath d = deliveries(key, webhookId);
            if (status.equals(d.getString("data[0].status"))) {
                return d;
            }
            assertTrue(System.nanoTime() < deadline, "delivery still " + d.getString("data[0].status"));
            Exports.pause(50);
        }
    }

    @Test
    void aCompletedExportIsDeliveredSignedWithTheExportAsGetShowsIt() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 100, 16);
        try (Receiver receiver = new Receiver()) {
            var created = Api.as(t.key()).contentType(ContentType.JSON).body(Map.of("url", receiver.url() + "hooks?x=1"))
                    .post("/v1/webhooks").then().statusCode(201)
                    .body("events", equalTo(List.of("export.completed", "export.failed", "export.canceled")))
                    .body("secret", startsWith("whsec_")).body("url", equalTo(receiver.url() + "hooks?x=1"))
                    .extract();
            String secret = created.path("secret");
            String webhookId = created.path("id");
            assertEquals("/v1/webhooks/" + webhookId, created.header("Location"));
            assertEquals(32, Base64.getDecoder().decode(secret.substring(6)).length);

            String exportId = Exports.create(t.key(), body("dataset", "events"));
            Receiver.Received r = receiver.await(1).get(0);
            assertEquals("/hooks?x=1", r.path());
            verify(secret, r);
            JsonPath payload = JsonPath.from(r.body());
            assertEquals("export.completed", payload.getString("type"));
            assertNotNull(payload.getString("timestamp"));
            assertEquals(exportId, payload.getString("data.id"));
            assertEquals("completed", payload.getString("data.status"));
            assertEquals(100, payload.getInt("data.row_count"));
            assertTrue(payload.getString("data.files[0].url").startsWith("http"), "fresh download URLs");
            assertTrue(r.header("webhook-id").startsWith("msg_"));

            JsonPath log = awaitDelivery(t.key(), webhookId, "delivered");
            assertEquals("msg_" + log.getString("data[0].id"), r.header("webhook-id"));
            assertEquals("export.completed", log.getString("data[0].event_type"));
            assertEquals(exportId, log.getString("data[0].export_id"));
            assertEquals(1, log.getInt("data[0].attempts"));
            assertEquals(200, log.getInt("data[0].last_response_status"));
            assertNull(log.get("data[0].next_attempt_at"));
            io.restassured.RestAssured.get("/q/metrics").then().statusCode(200)
                    .body(containsString("outport_webhook_deliveries_total{outcome=\"delivered\"}"))
                    .body(containsString("outport_webhook_deliveries_in_flight"));
        }
    }

    @Test
    void aFailedAttemptIsRetriedWithTheSameIdAndSignatureScheme() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        try (Receiver receiver = new Receiver().answer(503)) {
            String[] sw = register(t.key(), receiver.url(), "export.canceled").split(" ");
            String exportId = Exports.parkedExport(t.tenantId());
            Api.as(t.key()).post("/v1/exports/" + exportId + "/cancel").then().statusCode(200).body("status", equalTo("canceled"));
            List<Receiver.Received> got = receiver.await(2);
            assertEquals(got.get(0).header("webhook-id"), got.get(1).header("webhook-id"), "one event, one id");
            verify(sw[0], got.get(1));
            assertEquals("export.canceled", JsonPath.from(got.get(1).body()).getString("type"));
            double seconds = (got.get(1).atNanos() - got.get(0).atNanos()) / 1e9;
            assertTrue(seconds >= 3 && seconds < 10, "the first retry comes within 10 s: " + seconds);
            JsonPath log = awaitDelivery(t.key(), sw[1], "delivered");
            assertEquals(2, log.getInt("data[0].attempts"));
        }
    }

    @Test
    void aHangingReceiverDoesNotHoldUpOthersAndRedirectsAreNotFollowed() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        try (Receiver hanging = new Receiver().hold(Duration.ofSeconds(25));
             Receiver redirecting = new Receiver().answer(302);
             Receiver fine = new Receiver()) {
            String hangingId = register(t.key(), hanging.url()).split(" ")[1];
            String redirectId = register(t.key(), redirecting.url()).split(" ")[1];
            String fineId = register(t.key(), fine.url()).split(" ")[1];
            String exportId = Exports.parkedExport(t.tenantId());
            Api.as(t.key()).post("/v1/exports/" + exportId + "/cancel").then().statusCode(200);
            fine.await(1);
            awaitDelivery(t.key(), fineId, "delivered");
            hanging.await(1);
            assertEquals("pending", deliveries(t.key(), hangingId).getString("data[0].status"),
                    "the hanging receiver's attempt is still open while the others are done");
            JsonPath redirected = awaitDelivery(t.key(), redirectId, "pending");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (deliveries(t.key(), redirectId).get("data[0].last_response_status") == null && System.nanoTime() < deadline) {
                Exports.pause(50);
            }
            redirected = deliveries(t.key(), redirectId);
            assertEquals(302, redirected.getInt("data[0].last_response_status"), "a 3xx is a failed attempt");
            assertNotNull(redirected.get("data[0].next_attempt_at"));
            assertTrue(redirecting.received().stream().noneMatch(r -> r.path().contains("redirected")), "never followed");
            // The hanging one times out after 10 s and is retried.
            JsonPath timedOut = null;
            deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (System.nanoTime() < deadline) {
                timedOut = deliveries(t.key(), hangingId);
                if (timedOut.get("data[0].last_error") != null) {
                    break;
                }
                Exports.pause(100);
            }
            org.hamcrest.MatcherAssert.assertThat(timedOut.getString("data[0].last_error"), containsString("no answer within 10 s"));
        }
    }

    @Test
    void endpointsAreTheTenantsOwnAndTheSecretIsShownOnce() {
        Api.TenantKey t = Api.newTenantWithKey();
        String other = Api.newTenantKey();
        String id = register(t.key(), "http://127.0.0.1:9/x", "export.failed").split(" ")[1];
        Api.as(t.key()).get("/v1/webhooks/" + id).then().statusCode(200).body("secret", nullValue())
                .body("events", equalTo(List.of("export.failed"))).body("created_at", notNullValue());
        Api.as(t.key()).get("/v1/webhooks").then().statusCode(200).body("data", hasSize(1)).body("data[0].secret", nullValue());
        Api.as(other).get("/v1/webhooks/" + id).then().statusCode(404).contentType("application/problem+json");
        Api.as(other).get("/v1/webhooks/" + id + "/deliveries").then().statusCode(404);
        Api.as(other).delete("/v1/webhooks/" + id).then().statusCode(404);
        Api.as(other).get("/v1/webhooks").then().statusCode(200).body("data", empty());
        Api.as(t.key()).get("/v1/webhooks/" + id + "/deliveries?limit=0").then().statusCode(400).body("errors.field", hasItem("limit"));
        Api.as(t.key()).get("/v1/webhooks/" + id + "/deliveries?cursor=bogus").then().statusCode(400).body("errors.field", hasItem("cursor"));
        Api.as(t.key()).get("/v1/webhooks/not-an-id").then().statusCode(404);
        Api.as(t.key()).delete("/v1/webhooks/" + id).then().statusCode(204);
        Api.as(t.key()).get("/v1/webhooks/" + id).then().statusCode(404);
        Api.as(t.key()).delete("/v1/webhooks/" + id).then().statusCode(404);
        Api.as(t.key()).put("/v1/webhooks/" + id).then().statusCode(405).header("Allow", "GET, HEAD, DELETE, OPTIONS");
    }

    @Test
    void badBodiesAreA400NamingEveryField() {
        String key = Api.newTenantKey();
        Object[][] cases = {
                {Map.of(), List.of("url")},
                {Map.of("url", 7), List.of("url")},
                {Map.of("url", "ftp://example.com/x"), List.of("url")},
                {Map.of("url", "http://user:pw@127.0.0.1/x"), List.of("url")},
                {Map.of("url", "http://127.0.0.1/x#frag"), List.of("url")},
                {Map.of("url", "http:///nohost"), List.of("url")},
                {Map.of("url", "not a url"), List.of("url")},
                {Map.of("url", "http://example.com/" + "a".repeat(2000)), List.of("url")},
                {Map.of("url", "http://127.0.0.1/x", "events", List.of()), List.of("events")},
                {Map.of("url", "http://127.0.0.1/x", "events", "export.completed"), List.of("events")},
                {Map.of("url", "http://127.0.0.1/x", "events", List.of("export.started")), List.of("events[0]")},
                {Map.of("url", "http://127.0.0.1/x", "events", List.of("export.failed", "export.failed")), List.of("events[1]")},
                {Map.of("url", "http://127.0.0.1/x", "events", List.of(1)), List.of("events[0]")},
                {Map.of("url", "http://127.0.0.1/x", "colour", "red"), List.of("colour")},
        };
        for (Object[] c : cases) {
            Api.as(key).contentType(ContentType.JSON).body(c[0]).post("/v1/webhooks").then().statusCode(400)
                    .contentType("application/problem+json").body("errors.field", equalTo(c[1]));
        }
        Api.as(key).contentType(ContentType.JSON).body("{\"url\":").post("/v1/webhooks").then().statusCode(400);
        Api.as(key).contentType(ContentType.JSON).body("[]").post("/v1/webhooks").then().statusCode(400);
        Api.as(key).contentType(ContentType.JSON).body("null").post("/v1/webhooks").then().statusCode(400);
        Api.as(key).contentType(ContentType.TEXT).body("url=x").post("/v1/webhooks").then().statusCode(415);
        Api.as(key).contentType(ContentType.JSON).body(Map.of("url", "http://127.0.0.1/x", "events", java.util.Collections.singletonMap("a", 1)))
                .post("/v1/webhooks").then().statusCode(400);
        String nullEvents = "{\"url\": \"http://127.0.0.1/x\", \"events\": null}";
        Api.as(key).contentType(ContentType.JSON).body(nullEvents).post("/v1/webhooks").then().statusCode(201)
                .body("events", hasSize(3));
        Api.as(key).get("/v1/webhooks").then().body("data", hasSize(1));
    }

    @jakarta.inject.Inject
    WebhookRepository repository;

    @Test
    void finishedDeliveriesAreKeptForSevenDaysPendingOnesUntilTheyEnd() {
        Api.TenantKey t = Api.newTenantWithKey();
        String webhookId = register(t.key(), "http://127.0.0.1:9/x").split(" ")[1];
        String[] ids = new String[3];
        for (int i = 0; i < 3; i++) {
            ids[i] = io.outport.platform.UuidV7.next().toString();
        }
        String insert = "insert into webhook_delivery (id, endpoint_id, tenant_id, export_id, event_type, status, attempts,"
                + " next_attempt_at, created_at, finished_at) values ";
        Exports.sql(insert + "('" + ids[0] + "', '" + webhookId + "', '" + t.tenantId() + "', gen_random_uuid(), 'export.completed',"
                + " 'delivered', 1, now(), now() - interval '9 days', now() - interval '8 days')");
        Exports.sql(insert + "('" + ids[1] + "', '" + webhookId + "', '" + t.tenantId() + "', gen_random_uuid(), 'export.failed',"
                + " 'failed', 9, now(), now() - interval '8 days', now() - interval '6 days')");
        Exports.sql(insert + "('" + ids[2] + "', '" + webhookId + "', '" + t.tenantId() + "', gen_random_uuid(), 'export.canceled',"
                + " 'pending', 3, now() + interval '1 hour', now() - interval '7 days', null)");
        assertTrue(repository.purge(Duration.ofDays(7)).await().indefinitely() >= 1);
        List<String> left = deliveries(t.key(), webhookId).getList("data.id");
        assertFalse(left.contains(ids[0]), "ended 8 days ago: deleted");
        assertTrue(left.containsAll(List.of(ids[1], ids[2])), "ended 6 days ago, or still pending: kept");
        assertTrue(left.indexOf(ids[2]) < left.indexOf(ids[1]), "newest first");
    }

    @Test
    void aTenantHasAtMostTwentyEndpoints() {
        String key = Api.newTenantKey();
        for (int i = 0; i < WebhookRepository.MAX_ENDPOINTS; i++) {
            register(key, "http://127.0.0.1:9/" + i);
        }
        Api.as(key).contentType(ContentType.JSON).body(Map.of("url", "http://127.0.0.1:9/one-more")).post("/v1/webhooks")
                .then().statusCode(409).body("code", equalTo("too_many_webhooks"));
    }
}
