package io.outport.webhook;

import io.outport.support.Exports;
import io.outport.support.RealProcesses;
import io.outport.support.Receiver;
import io.outport.support.ServiceProcess;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Webhook deliveries survive the death of the replica that should have sent them: the outbox row is
 * written with the export's completion, and another replica delivers it (the packaged jar, SIGKILL).
 */
class WebhookDeliveryIT extends RealProcesses {

    private final List<ServiceProcess> started = new ArrayList<>();

    @AfterEach
    void killAll() {
        started.forEach(ServiceProcess::close);
    }

    private ServiceProcess replica(String name, Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("outport.webhooks.allow-private", "true",
                "outport.worker.poll-interval", "500ms"));
        settings.putAll(extra);
        ServiceProcess p = ServiceProcess.start(name, infra, settings);
        started.add(p);
        return p;
    }

    private static String register(ServiceProcess p, String key, String url) {
        return p.as(key).contentType(ContentType.JSON).body(Map.of("url", url, "events", List.of("export.completed")))
                .post("/v1/webhooks").then().statusCode(201).extract().path("id");
    }

    private static JsonPath delivery(ServiceProcess p, String key, String webhookId) {
        return p.as(key).get("/v1/webhooks/" + webhookId + "/deliveries").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aReplicaKilledBetweenCompletionAndDeliveryLosesNothing() throws Exception {
        // Replica a completes exports but does not deliver webhooks: it dies with its deliveries unsent.
        ServiceProcess a = replica("wh-a", Map.of("outport.webhooks.deliver", "false"));
        String externalId = "wh-kill-" + System.nanoTime();
        String key = a.newKey(externalId);
        String tenant = Exports.stringOf("select id from tenant where external_id = '" + externalId + "'");
        Exports.seed(tenant, 1000, 16);
        try (Receiver receiver = new Receiver()) {
            String webhookId = register(a, key, receiver.url());
            String id = a.createExport(key, Map.of("dataset", "events"));
            a.awaitEnd(key, id, Duration.ofSeconds(60));
            assertEquals("pending", delivery(a, key, webhookId).getString("data[0].status"), "written with the completion");
            a.kill();
            assertTrue(receiver.received().isEmpty());

            ServiceProcess b = replica("wh-b", Map.of());
            Receiver.Received r = receiver.await(1).get(0);
            JsonPath body = JsonPath.from(r.body());
            assertEquals(id, body.getString("data.id"));
            assertEquals("completed", body.getString("data.status"));
            await("delivered", Duration.ofSeconds(30), () -> "delivered".equals(delivery(b, key, webhookId).getString("data[0].status")));
        }
    }

    @Test
    void aStreamOnOneReplicaFollowsAnExportThatAnotherReplicaRuns() throws Exception {
        ServiceProcess api = replica("push-api", Map.of("outport.worker.enabled", "false"));
        ServiceProcess worker = replica("push-worker", Map.of("outport.api.enabled", "false"));
        String externalId = "push-" + System.nanoTime();
        String key = api.newKey(externalId);
        Exports.seed(Exports.stringOf("select id from tenant where external_id = '" + externalId + "'"), 200_000, 16);
        String id = api.createExport(key, Map.of("dataset", "events"));
        java.net.http.HttpResponse<java.util.stream.Stream<String>> stream = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.url("/v1/exports/" + id + "/events")))
                        .header("Authorization", "Bearer " + key).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        List<String> data = stream.body().filter(l -> l.startsWith("data:")).toList();
        JsonPath last = JsonPath.from(data.get(data.size() - 1).substring(5));
        assertEquals("completed", last.getString("status"), "the stream on the API replica saw the worker replica finish");
        assertEquals(200_000, last.getLong("row_count"));
        assertTrue(data.stream().anyMatch(l -> l.contains("\"rows_estimated\":200000")), "the estimate arrived from the other replica");
        assertTrue(worker.output().contains(id), "the other replica ran it");
    }

    @Test
    void aReplicaKilledMidDeliveryIsReplacedAndTheSameMessageArrivesAgain() throws Exception {
        ServiceProcess a = replica("wh-c", Map.of());
        String key = a.newKey("wh-mid-" + System.nanoTime());
        try (Receiver receiver = new Receiver().hold(Duration.ofSeconds(60))) {
            String webhookId = register(a, key, receiver.url());
            String id = a.createExport(key, Map.of("dataset", "events"));
            Receiver.Received first = receiver.await(1).get(0);
            receiver.hold(Duration.ZERO);
            a.kill(); // mid-delivery: the receiver has the request, the sender died before the answer
            ServiceProcess b = replica("wh-d", Map.of());
            List<Receiver.Received> got = receiver.await(2);
            assertEquals(first.header("webhook-id"), got.get(1).header("webhook-id"), "the same message, at least once");
            assertEquals(id, JsonPath.from(got.get(1).body()).getString("data.id"));
            await("delivered", Duration.ofSeconds(30), () -> "delivered".equals(delivery(b, key, webhookId).getString("data[0].status")));
            assertEquals(2, delivery(b, key, webhookId).getInt("data[0].attempts"));
        }
    }
}
