package io.outport.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outport.support.CustomerStore;
import io.outport.support.Exports;
import io.outport.support.PreviousRelease;
import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.outport.support.StsStandIn;
import io.outport.support.TestInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Destinations with the packaged service as real processes: a worker killed (SIGKILL) mid-export into the
 * customer's bucket is taken over and the export resumed into the same bucket, finished parts unchanged and no
 * upload left open; workers that cannot open a destination's credentials (no OUTPORT_SECRETS_KEY, or the last
 * release, which predates destinations) never claim an export to it; a private endpoint is refused under
 * production settings; no credential reaches a log line.
 */
class DestinationsIT extends RealProcesses {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static String endpoint;
    private final List<ServiceProcess> started = new ArrayList<>();

    @BeforeAll
    static void customerStore() {
        endpoint = CustomerStore.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (ServiceProcess p : started) {
            String out = p.output();
            assertFalse(out.contains(CustomerStore.SECRET_KEY), p.name + " logged the customer's secret key");
            assertFalse(out.contains(TestInfra.SECRETS_KEY), p.name + " logged OUTPORT_SECRETS_KEY");
            p.close();
        }
    }

    private ServiceProcess replica(String name, Map<String, String> extra) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("outport.webhooks.allow-private", "true"));
        all.putAll(extra);
        ServiceProcess p = ServiceProcess.start(name, infra, all);
        started.add(p);
        return p;
    }

    private static Map<String, Object> destination(String prefix) {
        return CustomerStore.destination(prefix, CustomerStore.ACCESS_KEY, CustomerStore.SECRET_KEY);
    }

    private static String register(ServiceProcess p, String key, String prefix) {
        return p.as(key).contentType("application/json").body(destination(prefix)).post("/v1/destinations")
                .then().statusCode(201).extract().path("id");
    }

    private static String tenantOf(String key) {
        return Exports.stringOf("select tenant_id from api_key where key_hash = sha256(convert_to('" + key + "', 'UTF8'))");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static Map<Integer, String> recorded(String id) {
        Map<Integer, String> m = new TreeMap<>();
        for (String row : Exports.stringOf("select coalesce(string_agg(part || '=' || sha256 || '=' || location, ',' order by part), '')"
                + " from export_file where export_id = '" + id + "'").split(",")) {
            if (!row.isEmpty()) {
                String[] p = row.split("=", 3);
                m.put(Integer.parseInt(p[0]), p[1] + "=" + p[2]);
            }
        }
        return m;
    }

    @Test
    void killMinus9MidExportResumesIntoTheSameBucketKeepingItsParts() throws Exception {
        Map<String, String> fast = Map.of("outport.worker.lease", "3s", "outport.worker.poll-interval", "500ms");
        ServiceProcess a = replica("dest-a", fast);
        String key = a.newKey("acct-dest-resume");
        String tenant = tenantOf(key);
        String prefix = "resume-" + System.nanoTime() + "/";
        String destinationId = register(a, key, prefix);
        Exports.seed(tenant, 80_000, 1000);
        String id = a.createExport(key, Map.of("dataset", "events", "compression", "none", "fields",
                List.of("id", "occurred_at", "properties"), "max_file_bytes", 5 * 1024 * 1024, "destination", destinationId));
        await("three parts delivered", Duration.ofSeconds(120),
                () -> Exports.count("select count(*) from export_file where export_id = '" + id + "'") >= 3);
        a.kill();
        assertEquals("processing", Exports.stringOf("select status from export where id = '" + id + "'"), "killed mid-export");
        Map<Integer, String> before = recorded(id);
        long openAtKill = CustomerStore.openUploads(prefix + id + "/");
        for (var e : before.entrySet()) {
            String[] shaAndLocation = e.getValue().split("=", 2);
            assertEquals(shaAndLocation[0], sha256(CustomerStore.object(CustomerStore.keyOf(shaAndLocation[1]))));
        }

        ServiceProcess b = replica("dest-b", fast);
        JsonNode done = JSON.readTree(b.awaitEnd(key, id, Duration.ofSeconds(180)).prettify());
        assertEquals("completed", done.get("status").asText(), done.toPrettyString());
        Map<Integer, String> after = recorded(id);
        List<Long> ids = new ArrayList<>();
        for (JsonNode f : done.get("files")) {
            assertTrue(f.get("url").isNull());
            byte[] bytes = CustomerStore.object(CustomerStore.keyOf(f.get("location").asText()));
            assertEquals(f.get("sha256").asText(), sha256(bytes), f.get("location").asText());
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                ids.add(JSON.readTree(line).get("id").asLong());
            }
        }
        List<String> keys = CustomerStore.keys(prefix + id + "/");
        System.out.println("[destination-resume] parts delivered at the kill: " + before.size() + ", open uploads at the kill: "
                + openAtKill + ", parts in the end: " + after.size() + ", objects under " + prefix + id + "/: " + keys.size());
        before.forEach((part, v) -> System.out.println("[destination-resume] part " + part + " sha256 before "
                + v.split("=", 2)[0] + " after " + after.get(part).split("=", 2)[0] + " at " + v.split("=", 2)[1]));
        System.out.println("[destination-resume] attempts " + done.get("attempts").asInt() + ", row_count "
                + done.get("row_count").asLong() + ", rows read " + ids.size() + ", distinct " + new HashSet<>(ids).size()
                + ", open uploads left " + CustomerStore.openUploads(prefix));

        before.forEach((part, v) -> assertEquals(v, after.get(part), "part " + part + " kept unchanged, at the same location"));
        assertEquals(2, done.get("attempts").asInt());
        assertEquals(80_000, ids.size());
        assertEquals(80_000, new HashSet<>(ids).size(), "every row exactly once");
        assertEquals(after.size(), keys.size(), "the parts and nothing else in the customer's bucket: " + keys);
        assertEquals(0, CustomerStore.openUploads(prefix), "no multipart upload left open in the customer's bucket");
        assertTrue(b.output().contains("resuming after part"), b.output());
        assertEquals(0, Exports.count("select count(*) from export_object where export_id = '" + id + "'"));
    }

    @Test
    void workersThatCannotOpenTheCredentialsNeverClaimAnExportToThem() throws Exception {
        // Short leases: the maintenance that marks unserved exports runs every second.
        ServiceProcess api = replica("dest-api", Map.of("outport.worker.enabled", "false", "outport.worker.lease", "3s"));
        // A worker of this build without OUTPORT_SECRETS_KEY (an empty value is no value).
        ServiceProcess keyless = replica("dest-keyless", Map.of("outport.secrets.key", "", "outport.api.enabled", "false",
                "outport.worker.poll-interval", "500ms", "outport.worker.lease", "3s"));
        // A worker of the last release, which knows nothing of destinations (its migrations are older: it is told
        // to ignore this build's, as CHANGELOG.md says for running it beside a later release).
        PreviousRelease.Release release = PreviousRelease.named();
        Path previous = PreviousRelease.app();
        Map<String, String> old = new HashMap<>();
        infra.forEach((k, v) -> {
            if (!k.startsWith("outport.datasets.") && !k.startsWith("quarkus.datasource.source.")) {
                old.put(k, v);
            }
        });
        ServiceProcess oldWorker = ServiceProcess.start(previous, "release-" + release.version() + "-worker", old,
                Map.of("QUARKUS_FLYWAY_IGNORE_MIGRATION_PATTERNS", "*:future", "OUTPORT_API_ENABLED", "false",
                        "OUTPORT_WORKER_POLL_INTERVAL", "500ms"));
        started.add(oldWorker);

        String key = api.newKey("acct-dest-fleet");
        Exports.seed(tenantOf(key), 2_000, 100);
        // A role assumed through STS (the stand-in in this JVM) with the tenant's external id, from the packaged
        // service (or the native executable) — the SDK's STS client as it ships.
        String externalId = api.as(key).get("/v1/destinations").then().statusCode(200).extract().path("external_id");
        String role = "arn:aws:iam::123456789012:role/outport-it-" + System.nanoTime();
        StsStandIn.trust(role, externalId);
        Map<String, Object> assumed = destination("fleet-role-" + System.nanoTime() + "/");
        assumed.put("credentials", Map.of("role_arn", role));
        String roleDestination = api.as(key).contentType("application/json").body(assumed).post("/v1/destinations")
                .then().statusCode(201).extract().path("id");
        assertEquals(externalId, StsStandIn.calls(role).get(0).externalId());
        String destinationId = register(api, key, "fleet-" + System.nanoTime() + "/");
        String delivered = api.createExport(key, Map.of("dataset", "events", "destination", destinationId));
        String plain = api.createExport(key, Map.of("dataset", "events"));
        // The plain export is taken by one of the two workers (both serve it); the one to the destination by neither.
        JsonNode plainDone = JSON.readTree(api.awaitEnd(key, plain, Duration.ofSeconds(60)).prettify());
        assertEquals("completed", plainDone.get("status").asText());
        Exports.pause(3_000);
        assertEquals("queued", Exports.stringOf("select status from export where id = '" + delivered + "'"));
        assertEquals(0, Exports.count("select attempt from export where id = '" + delivered + "'"));
        await("the export waits, marked unserved", Duration.ofSeconds(30), () -> Exports.count(
                "select count(*) from export where id = '" + delivered + "' and unserved_since is not null") == 1);
        String waiting = api.as(key).get("/v1/exports/" + delivered).then().statusCode(200).extract().path("message");
        System.out.println("[destination-fleet] with a keyless worker of this build and a " + release.version()
                + " worker running, the export to the destination stays queued: " + waiting);
        assertFalse(keyless.output().contains(delivered));
        assertFalse(oldWorker.output().contains(delivered));

        // A worker holding the key takes it at once.
        ServiceProcess keyed = replica("dest-keyed", Map.of("outport.api.enabled", "false", "outport.worker.poll-interval", "500ms"));
        JsonNode done = JSON.readTree(api.awaitEnd(key, delivered, Duration.ofSeconds(60)).prettify());
        assertEquals("completed", done.get("status").asText(), done.toPrettyString());
        assertEquals(1, done.get("attempts").asInt());
        assertTrue(keyed.output().contains(delivered + ": attempt 1 started"));
        assertEquals(2_000, done.get("row_count").asLong());
        System.out.println("[destination-fleet] then a worker holding the key ran it: " + done.get("files").get(0).get("location").asText());
        // And an export into the role destination, written with the assumed role's session.
        String viaRole = api.createExport(key, Map.of("dataset", "events", "format", "csv", "destination", roleDestination));
        JsonNode roleDone = JSON.readTree(api.awaitEnd(key, viaRole, Duration.ofSeconds(60)).prettify());
        assertEquals("completed", roleDone.get("status").asText(), roleDone.toPrettyString());
        String location = roleDone.get("files").get(0).get("location").asText();
        assertEquals(roleDone.get("files").get(0).get("sha256").asText(), sha256(CustomerStore.object(CustomerStore.keyOf(location))));
        System.out.println("[destination-fleet] through the assumed role: " + location);
    }

    @Test
    void productionSettingsRefusePrivateEndpointsAndStartUpRefusesABadKey() throws Exception {
        ServiceProcess prod = ServiceProcess.start("dest-prod", infra, Map.of("outport.worker.enabled", "false"));
        started.add(prod);
        String key = prod.newKey("acct-dest-prod");
        for (String url : List.of(endpoint, "https://127.0.0.1:9", "https://localhost", "https://10.1.2.3", "https://169.254.169.254")) {
            Map<String, Object> body = destination("");
            body.put("endpoint", url);
            String problem = prod.as(key).contentType("application/json").body(body).post("/v1/destinations")
                    .then().statusCode(400).extract().asString();
            assertTrue(problem.contains("\"field\":\"endpoint\""), url + ": " + problem);
        }
        List<String> bads = List.of("not base64 at all!", "c2hvcnQ=");
        List<String> outputs = ServiceProcess.failedStarts(infra, bads.stream().map(b -> Map.of("OUTPORT_SECRETS_KEY", b)).toList());
        for (int i = 0; i < bads.size(); i++) {
            assertTrue(outputs.get(i).contains("OUTPORT_SECRETS_KEY must be base64 of 32 random bytes"), outputs.get(i));
            assertFalse(outputs.get(i).contains(bads.get(i)), "the bad key is not printed");
        }
    }
}
