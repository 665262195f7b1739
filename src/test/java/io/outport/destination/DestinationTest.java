package io.outport.destination;

import io.outport.support.Api;
import io.outport.support.CustomerStore;
import io.outport.support.Exports;
import io.outport.support.StsStandIn;
import io.outport.support.TestInfra;
import io.outport.destination.DestinationClients;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Destinations against a second, real object store (the customer's S3Proxy, with its own credentials) and a
 * local STS stand-in: registration checks the store with a test object and says what it refused; secrets are
 * never shown; exports land in the customer's bucket byte for byte, with locations instead of URLs.
 */
@QuarkusTest
class DestinationTest {

    @Inject
    DestinationClients clients;

    @BeforeAll
    static void store() {
        CustomerStore.start();
    }

    static Map<String, Object> keys(String prefix, String accessKey, String secret) {
        return CustomerStore.destination(prefix, accessKey, secret);
    }

    static String register(String key, Map<String, Object> body) {
        return Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/destinations")
                .then().statusCode(201).extract().path("id");
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void registeringWritesAndDeletesATestObjectAndNeverShowsTheSecret() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String prefix = "reg-" + System.nanoTime() + "/";
        String answer = Api.as(t.key()).contentType(ContentType.JSON)
                .body(keys(prefix, CustomerStore.ACCESS_KEY, CustomerStore.SECRET_KEY)).post("/v1/destinations")
                .then().statusCode(201)
                .header("Location", containsString("/v1/destinations/"))
                .body("type", equalTo("s3")).body("bucket", equalTo(CustomerStore.BUCKET)).body("prefix", equalTo(prefix))
                .body("region", equalTo("us-east-1")).body("path_style", equalTo(true))
                .body("credentials.type", equalTo("access_key"))
                .body("credentials.access_key_id", equalTo(CustomerStore.ACCESS_KEY))
                .extract().asString();
        assertFalse(answer.contains(CustomerStore.SECRET_KEY), answer);
        String id = JsonPath.from(answer).getString("id");
        assertEquals(List.of(), CustomerStore.keys(prefix), "the test object is deleted again");

        String list = Api.as(t.key()).get("/v1/destinations").then().statusCode(200)
                .body("data.id", hasItem(id)).body("external_id", containsString("outport-")).extract().asString();
        assertFalse(list.contains(CustomerStore.SECRET_KEY));
        String one = Api.as(t.key()).get("/v1/destinations/" + id).then().statusCode(200).extract().asString();
        assertFalse(one.contains(CustomerStore.SECRET_KEY));

        // At rest: sealed, under the key's id, bound to this row.
        try (var c = TestInfra.connect(); ResultSet rs = c.createStatement().executeQuery(
                "select secret, secret_key_id from destination where id = '" + id + "'")) {
            assertTrue(rs.next());
            byte[] sealed = rs.getBytes(1);
            assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains(CustomerStore.SECRET_KEY));
            assertEquals(12 + CustomerStore.SECRET_KEY.length() + 16, sealed.length);
            assertEquals(16, rs.getString(2).length());
        }

        // Another tenant sees none of it.
        String other = Api.newTenantKey();
        Api.as(other).get("/v1/destinations/" + id).then().statusCode(404);
        Api.as(other).delete("/v1/destinations/" + id).then().statusCode(404);
        Api.as(other).get("/v1/destinations").then().statusCode(200).body("data.id", not(hasItem(id)));
        Api.as(other).contentType(ContentType.JSON).body(body("dataset", "events", "destination", id))
                .post("/v1/exports").then().statusCode(400).body("errors[0].field", equalTo("destination"));
    }

    @Test
    void whatTheStoreRefusesIsA400ThatSaysWhy() throws Exception {
        String key = Api.newTenantKey();
        refused(key, keys("", CustomerStore.ACCESS_KEY, "not-the-secret"), "SignatureDoesNotMatch");
        refused(key, keys("", "unknown-access-key", CustomerStore.SECRET_KEY), "InvalidAccessKeyId");
        Map<String, Object> missing = keys("", CustomerStore.ACCESS_KEY, CustomerStore.SECRET_KEY);
        missing.put("bucket", "no-such-bucket-here");
        refused(key, missing, "does not exist");
        Map<String, Object> closed = keys("", CustomerStore.ACCESS_KEY, CustomerStore.SECRET_KEY);
        try (ServerSocket s = new ServerSocket(0)) {
            closed.put("endpoint", "http://127.0.0.1:" + s.getLocalPort());
        }
        refused(key, closed, "could not be reached");
        Api.as(key).get("/v1/destinations").then().statusCode(200).body("data.size()", equalTo(0));
    }

    private static void refused(String key, Map<String, Object> body, String said) {
        String problem = Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/destinations")
                .then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("destination_check_failed")).body("detail", containsString(said))
                .extract().asString();
        assertFalse(problem.contains(CustomerStore.SECRET_KEY), problem);
        assertFalse(problem.contains("not-the-secret"), problem);
    }

    @Test
    void badBodiesNameEveryFieldAndEchoNoSecret() {
        String key = Api.newTenantKey();
        String problem = Api.as(key).contentType(ContentType.JSON).body(Map.of("type", "gcs", "bucket", "Bad_Bucket",
                        "region", "EU WEST", "endpoint", "ftp://x", "path_style", "yes", "credentials",
                        Map.of("role_arn", "arn:aws:iam::123:user/x", "secret_access_key", "sekrit-value")))
                .post("/v1/destinations").then().statusCode(400).body("code", equalTo("invalid_request"))
                .extract().asString();
        for (String field : List.of("type", "bucket", "region", "endpoint", "path_style", "credentials")) {
            assertTrue(problem.contains("\"field\":\"" + field + "\""), field + " in " + problem);
        }
        assertFalse(problem.contains("sekrit-value"), problem);
        Api.as(key).contentType(ContentType.JSON).body(Map.of("type", "s3", "bucket", "b-1", "credentials",
                        Map.of("role_arn", "arn:aws:iam::123:user/x")))
                .post("/v1/destinations").then().statusCode(400).body("errors[0].field", equalTo("credentials.role_arn"));
        Api.as(key).contentType(ContentType.JSON).body(Map.of("type", "s3", "bucket", "b-1",
                        "endpoint", "http://127.0.0.1:9/some/path", "credentials", Map.of("access_key_id", "abc", "secret_access_key", "x")))
                .post("/v1/destinations").then().statusCode(400).body("errors[0].field", equalTo("endpoint"));
        Api.as(key).contentType(ContentType.JSON).body(Map.of("type", "s3", "bucket", "b-1", "surprise", 1))
                .post("/v1/destinations").then().statusCode(400);
        Api.as(key).contentType(ContentType.JSON).body("[1]").post("/v1/destinations").then().statusCode(400);
        Api.as(key).contentType(ContentType.TEXT).body("type=s3").post("/v1/destinations").then().statusCode(415)
                .contentType("application/problem+json");
        Api.as(key).contentType(ContentType.JSON).body(Map.of("type", "s3", "bucket", "b-1", "prefix", "/abs",
                        "credentials", Map.of("access_key_id", "abc", "secret_access_key", "x", "role_arn", "arn:aws:iam::123456789012:role/r")))
                .post("/v1/destinations").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("prefix")).body("errors.field", hasItem("credentials"));
        // The destination of an export or an estimate: not an id, not a string, not one of the caller's.
        for (Object bad : List.of("nope", 5, io.outport.platform.UuidV7.next().toString())) {
            for (String path : List.of("/v1/exports", "/v1/exports/estimate")) {
                Api.as(key).contentType(ContentType.JSON).body(body("dataset", "events", "destination", bad)).post(path)
                        .then().statusCode(400).contentType("application/problem+json")
                        .body("errors[0].field", equalTo("destination"));
            }
        }
        Api.as(key).contentType(ContentType.JSON).body("{").post("/v1/destinations").then().statusCode(400);
        Api.as(key).get("/v1/destinations/not-an-id").then().statusCode(404);
        Api.as(key).delete("/v1/destinations/" + io.outport.platform.UuidV7.next()).then().statusCode(404);
    }

    @Test
    void aRoleIsAssumedThroughStsWithTheTenantsExternalId() {
        Api.TenantKey t = Api.newTenantWithKey();
        String externalId = Api.as(t.key()).get("/v1/destinations").then().extract().path("external_id");
        String role = "arn:aws:iam::123456789012:role/outport-writer-" + System.nanoTime();
        StsStandIn.trust(role, externalId);
        Map<String, Object> body = new LinkedHashMap<>(keys("role-" + System.nanoTime() + "/", "x", "y"));
        body.put("credentials", Map.of("role_arn", role));
        String answer = Api.as(t.key()).contentType(ContentType.JSON).body(body).post("/v1/destinations")
                .then().statusCode(201).body("credentials.type", equalTo("role"))
                .body("credentials.role_arn", equalTo(role)).body("credentials.external_id", equalTo(externalId))
                .extract().asString();
        assertFalse(answer.contains("stand-in-session-token"));
        assertEquals(externalId, StsStandIn.calls(role).get(0).externalId(), "the tenant's external id reached STS");

        // A trust policy that names another external id refuses; so does a role that does not trust Outport.
        String strict = "arn:aws:iam::123456789012:role/strict-" + System.nanoTime();
        StsStandIn.trust(strict, "the-customers-own-id");
        body.put("credentials", Map.of("role_arn", strict));
        Api.as(t.key()).contentType(ContentType.JSON).body(body).post("/v1/destinations").then().statusCode(400)
                .body("code", equalTo("destination_check_failed")).body("detail", containsString("AccessDenied"));
        body.put("credentials", Map.of("role_arn", strict, "external_id", "the-customers-own-id"));
        Api.as(t.key()).contentType(ContentType.JSON).body(body).post("/v1/destinations").then().statusCode(201)
                .body("credentials.external_id", equalTo("the-customers-own-id"));
        body.put("credentials", Map.of("role_arn", "arn:aws:iam::123456789012:role/denied"));
        Api.as(t.key()).contentType(ContentType.JSON).body(body).post("/v1/destinations").then().statusCode(400)
                .body("detail", containsString("could not assume the role"));
    }

    @Test
    void exportsLandInTheCustomersBucketByteForByteInEveryFormat() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String prefix = "exports-" + System.nanoTime() + "/";
        String destination = register(t.key(), keys(prefix, CustomerStore.ACCESS_KEY, CustomerStore.SECRET_KEY));
        Exports.seed(t.tenantId(), 12_000, 600);
        int parts = 0;
        for (String format : List.of("ndjson", "csv")) {
            String id = Exports.create(t.key(), body("dataset", "events", "format", format, "compression", "none",
                    "max_file_bytes", 5 * 1024 * 1024, "destination", destination));
            JsonPath done = Exports.await(t.key(), id);
            assertEquals("completed", done.getString("status"), done.prettify());
            assertEquals(destination, done.getString("destination"));
            assertNull(done.get("download_url"));
            List<Map<String, Object>> files = done.getList("files");
            assertTrue(files.size() >= 2, "multi-part: " + files.size());
            parts += files.size();
            long rows = 0;
            for (Map<String, Object> f : files) {
                assertNull(f.get("url"));
                String location = (String) f.get("location");
                assertEquals("s3://" + CustomerStore.BUCKET + "/" + prefix + id + "/part-"
                        + String.format("%05d", (Integer) f.get("part")) + "." + format, location);
                byte[] stored = CustomerStore.object(CustomerStore.keyOf(location));
                assertEquals(f.get("sha256"), sha256(stored), location);
                assertEquals(((Number) f.get("size_bytes")).longValue(), stored.length);
                String text = new String(stored, StandardCharsets.UTF_8);
                long lines = text.lines().count();
                rows += format.equals("csv") ? lines - 1 : lines;
            }
            assertEquals(12_000, rows);
            assertEquals(12_000, done.getLong("row_count"));
            assertEquals(0, CustomerStore.openUploads(prefix));
            // The event stream of the finished export says where the parts are, as GET does.
            String stream = Api.as(t.key()).get("/v1/exports/" + id + "/events").then().statusCode(200).extract().asString();
            assertTrue(stream.contains("\"location\":\"s3://" + CustomerStore.BUCKET + "/" + prefix + id + "/part-00001." + format + "\""),
                    stream);
            Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download?part=1").then().statusCode(409)
                    .body("code", equalTo("delivered_elsewhere")).body("detail", containsString(prefix + id + "/part-00001"));
            // Nothing of it in Outport's own bucket.
            assertEquals(0, TestInfra.blobStore.list(TestInfra.BUCKET,
                    org.jclouds.blobstore.options.ListContainerOptions.Builder.prefix("exports/" + t.tenantId() + "/").recursive()).size());
        }
        // The estimate checks the destination too.
        Api.as(t.key()).contentType(ContentType.JSON).body(body("dataset", "events", "destination", destination))
                .post("/v1/exports/estimate").then().statusCode(200).body("rows_estimated", equalTo(12_000));
        assertEquals(parts, CustomerStore.keys(prefix).size(), "the parts and nothing else (the estimate's test object is gone)");
    }

    @Test
    void aCanceledExportAbortsItsUploadsAndKeepsFinishedPartsAndADestinationInUseIsNotDeleted() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String prefix = "cancel-" + System.nanoTime() + "/";
        String destination = register(t.key(), keys(prefix, CustomerStore.ACCESS_KEY, CustomerStore.SECRET_KEY));
        Exports.seed(t.tenantId(), 60_000, 1000);
        String id = Exports.create(t.key(), body("dataset", "events", "compression", "none",
                "max_file_bytes", 5 * 1024 * 1024, "destination", destination));
        Api.as(t.key()).delete("/v1/destinations/" + destination).then().statusCode(409).body("code", equalTo("destination_in_use"));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Exports.count("select count(*) from export_file where export_id = '" + id + "'") < 1) {
            assertTrue(System.nanoTime() < deadline, "a part finished");
            Exports.pause(20);
        }
        Api.as(t.key()).post("/v1/exports/" + id + "/cancel").then().statusCode(200);
        JsonPath end = Exports.await(t.key(), id, "canceled");
        // Longer than the test profile's reap interval (1 s): the reaper, which deletes what failed and canceled
        // exports left in Outport's bucket, neither deletes nor forgets what they left in a tenant's.
        Exports.pause(1500);
        List<String> locations = Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200)
                .body("status", equalTo("canceled")).body("download_url", nullValue())
                .body("files.url", everyItem(nullValue())).extract().path("files.location");
        assertFalse(locations.isEmpty(), end.prettify());
        List<String> recorded = List.of(Exports.stringOf("select string_agg(object_key, ',' order by part) from export_file"
                + " where export_id = '" + id + "'").split(","));
        assertEquals(recorded.stream().map(k -> "s3://" + CustomerStore.BUCKET + "/" + k).toList(), locations);
        // Finished parts stay in the customer's bucket; nothing half-written does (no open upload).
        long deadlineAbort = System.nanoTime() + 10_000_000_000L;
        while (CustomerStore.openUploads(prefix) > 0 && System.nanoTime() < deadlineAbort) {
            Exports.pause(50);
        }
        assertEquals(0, CustomerStore.openUploads(prefix), end.prettify());
        for (String k : recorded) {
            assertNotNull(CustomerStore.object(k));
        }
        Api.as(t.key()).delete("/v1/destinations/" + destination).then().statusCode(204);
        Api.as(t.key()).get("/v1/destinations/" + destination).then().statusCode(404);
        Api.as(t.key()).contentType(ContentType.JSON).body(body("dataset", "events", "destination", destination))
                .post("/v1/exports").then().statusCode(400).body("errors[0].field", equalTo("destination"));
        assertEquals(1, Exports.count("select count(*) from destination where id = '" + destination
                + "' and secret is null and access_key_id is null and deleted_at is not null"), "credentials erased");
        // What was delivered stays listed with its location.
        Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).body("destination", equalTo(destination))
                .body("files.location", equalTo(locations));
    }

    @Test
    void aSecretThatNoLongerOpensFailsTheExportAsDestinationUnavailableAndSaysWhyWithoutTheSecret() {
        Api.TenantKey t = Api.newTenantWithKey();
        String prefix = "unusable-" + System.nanoTime() + "/";
        String destination = register(t.key(), keys(prefix, CustomerStore.ACCESS_KEY, CustomerStore.SECRET_KEY));
        Exports.seed(t.tenantId(), 100, 10);
        // The stored secret altered (a damaged row, a copy from another destination), and this process's client of
        // the destination dropped, as a process that has not used it yet would have none.
        Exports.sql("update destination set secret = decode(repeat('00', length(secret)), 'hex') where id = '" + destination + "'");
        clients.invalidate(java.util.UUID.fromString(destination));
        String id = Exports.create(t.key(), body("dataset", "events", "destination", destination));
        JsonPath end = Exports.await(t.key(), id);
        assertEquals("failed", end.getString("status"), end.prettify());
        assertEquals("destination_unavailable", end.getString("error.code"), end.prettify());
        assertTrue(end.getString("error.message").contains("does not open"), end.getString("error.message"));
        assertFalse(end.prettify().contains(CustomerStore.SECRET_KEY), "no secret in the export's error");
        assertEquals(0, CustomerStore.keys(prefix).size(), "nothing written");
    }
}
