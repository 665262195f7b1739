package io.outport.export;

import io.outport.export.storage.ExportStorage;
import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** docs/api.md, exports: create with validation and idempotency, quota, get, list, cancel, download before completion. */
@QuarkusTest
class ExportResourceTest {

    @Inject
    ExportStorage storage;

    private static void rejects(String key, Object body, String... fields) {
        Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/exports")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://outport.dev/problems/invalid_request"))
                .body("code", equalTo("invalid_request")).body("status", equalTo(400))
                .body("errors.field", containsInAnyOrder(fields));
    }

    @Test
    void createReturns202WithLocationRetryAfterAndTheQueuedExport() {
        String key = Api.newTenantKey();
        var r = Api.as(key).contentType(ContentType.JSON).body(body("dataset", "events")).post("/v1/exports")
                .then().statusCode(202).header("Retry-After", notNullValue())
                .body("status", anyOf(equalTo("queued"), equalTo("processing")))
                .body("format", equalTo("ndjson")).body("compression", equalTo("gzip"))
                .body("fields", equalTo(List.of("id", "type", "occurred_at", "user_id", "properties", "received_at")))
                .body("max_file_bytes", equalTo(104857600)).body("files", empty()).body("download_url", nullValue())
                .body("row_count", nullValue()).body("error", nullValue()).body("created_at", notNullValue())
                .body("progress.rows", equalTo(0))
                .extract();
        String id = r.path("id");
        assertEquals("/v1/exports/" + id, r.header("Location"));
        assertEquals('7', id.charAt(14), "UUIDv7");
        Api.as(key).get(r.header("Location")).then().statusCode(200).body("id", equalTo(id));
    }

    @Test
    void everyValidationErrorNamesItsField() {
        String key = Api.newTenantKey();
        rejects(key, Map.of(), "dataset");
        rejects(key, body("dataset", "no_such_dataset"), "dataset");
        rejects(key, body("dataset", 7), "dataset");
        rejects(key, body("dataset", "events", "format", "xml"), "format");
        rejects(key, body("dataset", "events", "compression", "zstd"), "compression");
        rejects(key, body("dataset", "events", "format", 1, "compression", true), "format", "compression");
        rejects(key, body("dataset", "events", "max_file_bytes", 1024), "max_file_bytes");
        rejects(key, body("dataset", "events", "max_file_bytes", 6L * 1024 * 1024 * 1024), "max_file_bytes");
        rejects(key, body("dataset", "events", "max_file_bytes", "big"), "max_file_bytes");
        rejects(key, body("dataset", "events", "max_file_bytes", 5242880.5), "max_file_bytes");
        rejects(key, body("dataset", "events", "max_file_bytes", new java.math.BigInteger("1" + "0".repeat(40))), "max_file_bytes");
        rejects(key, body("dataset", "events", "fields", List.of()), "fields");
        rejects(key, body("dataset", "events", "fields", "id"), "fields");
        rejects(key, body("dataset", "events", "fields", List.of("id", "colour", 3, "id")), "fields[1]", "fields[2]", "fields[3]");
        rejects(key, body("dataset", "events", "filters", "all"), "filters");
        rejects(key, body("dataset", "events", "filters", body("from", "2026-02-01T00:00:00Z", "to", "2026-01-01T00:00:00Z")),
                "filters.from");
        rejects(key, body("dataset", "events", "filters", body("from", "yesterday", "to", 5)), "filters.from", "filters.to");
        rejects(key, body("dataset", "events", "filters", body("colour", "red", "properties", "x")),
                "filters.colour", "filters.properties");
        rejects(key, body("dataset", "events", "filters", body("type", List.of(), "user_id", 3)),
                "filters.type", "filters.user_id");
        rejects(key, body("dataset", "events", "filters", body("type", List.of("a", 2))), "filters.type[1]");
        rejects(key, body("dataset", "events", "extra", 1, "Format", "csv"), "extra", "Format");
        Api.as(key).contentType(ContentType.JSON).body("{\"dataset\":\"events\"").post("/v1/exports")
                .then().statusCode(400).body("code", equalTo("invalid_request"));
        Api.as(key).contentType(ContentType.JSON).body("{\"dataset\":\"events\",\"dataset\":\"events\"}").post("/v1/exports")
                .then().statusCode(400).body("code", equalTo("invalid_request"));
        Api.as(key).contentType(ContentType.JSON).body("").post("/v1/exports").then().statusCode(400);
        Api.as(key).contentType(ContentType.TEXT).body("{\"dataset\":\"events\"}").post("/v1/exports")
                .then().statusCode(415).body("code", equalTo("unsupported_media_type"));
        Api.as(key).contentType(ContentType.JSON).header("Idempotency-Key", "k".repeat(256))
                .body(body("dataset", "events")).post("/v1/exports")
                .then().statusCode(400).body("errors[0].field", equalTo("Idempotency-Key"));
        assertEquals(0, Api.as(key).get("/v1/exports").then().extract().jsonPath().getList("data").size(),
                "no rejected request created an export");
    }

    @Test
    void idempotencyKeyReturnsTheSameExportOrRejectsAnotherBody() {
        String key = Api.newTenantKey();
        Map<String, Object> request = body("dataset", "events", "format", "csv");
        String id = Api.as(key).contentType(ContentType.JSON).header("Idempotency-Key", "order-42")
                .body(request).post("/v1/exports").then().statusCode(202).extract().path("id");
        // Same key, same body (other spacing): the same export, 200.
        Api.as(key).contentType(ContentType.JSON).header("Idempotency-Key", "order-42")
                .body("{ \"format\" : \"csv\", \"dataset\": \"events\" }").post("/v1/exports")
                .then().statusCode(200).body("id", equalTo(id)).header("Location", "/v1/exports/" + id);
        Api.as(key).contentType(ContentType.JSON).header("Idempotency-Key", "order-42")
                .body(body("dataset", "events", "format", "ndjson")).post("/v1/exports")
                .then().statusCode(422).contentType("application/problem+json").body("code", equalTo("idempotency_key_reused"));
        // Keys are per tenant.
        String other = Api.newTenantKey();
        String otherId = Api.as(other).contentType(ContentType.JSON).header("Idempotency-Key", "order-42")
                .body(request).post("/v1/exports").then().statusCode(202).extract().path("id");
        assertNotEquals(id, otherId);
    }

    @Test
    void queuedQuotaGives429WithRetryAfter() {
        Api.TenantKey t = Api.newTenantWithKey();
        for (int i = 0; i < 100; i++) {
            Exports.parkedExport(t.tenantId());
        }
        Api.as(t.key()).contentType(ContentType.JSON).body(body("dataset", "events")).post("/v1/exports")
                .then().statusCode(429).contentType("application/problem+json")
                .body("code", equalTo("too_many_exports")).header("Retry-After", notNullValue());
    }

    @Test
    void listIsNewestFirstWithCursorAndStatusFilter() {
        Api.TenantKey t = Api.newTenantWithKey();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(Exports.parkedExport(t.tenantId()));
        }
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            var req = Api.as(t.key()).queryParam("limit", 3);
            if (cursor != null) {
                req.queryParam("cursor", cursor);
            }
            JsonPath page = req.get("/v1/exports").then().statusCode(200).extract().jsonPath();
            ids.addAll(page.getList("data.id"));
            cursor = page.getString("next_cursor");
        } while (cursor != null);
        assertEquals(7, ids.size());
        assertEquals(new java.util.HashSet<>(created), new java.util.HashSet<>(ids));
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort(java.util.Comparator.reverseOrder());
        assertEquals(sorted, ids, "newest (largest UUIDv7) first");
        Api.as(t.key()).queryParam("status", "queued").get("/v1/exports").then().statusCode(200).body("data.size()", equalTo(7));
        Api.as(t.key()).queryParam("status", "completed").get("/v1/exports").then().statusCode(200).body("data", empty());
        for (String[] bad : new String[][]{{"status", "done"}, {"limit", "0"}, {"limit", "5000"}, {"cursor", "x"}, {"page", "2"}}) {
            Api.as(t.key()).queryParam(bad[0], bad[1]).get("/v1/exports").then().statusCode(400)
                    .body("errors[0].field", equalTo(bad[0]));
        }
    }

    @Test
    void cancelOfAQueuedExportIsImmediateAndOfAFinishedOneIs409() {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download")
                .then().statusCode(409).body("code", equalTo("export_not_ready"));
        Api.as(t.key()).post("/v1/exports/" + id + "/cancel").then().statusCode(200)
                .body("status", equalTo("canceled")).body("completed_at", notNullValue());
        Api.as(t.key()).post("/v1/exports/" + id + "/cancel").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("export_not_cancelable"));
        Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download")
                .then().statusCode(409).body("code", equalTo("export_not_ready"));
        Api.as(t.key()).post("/v1/exports/00000000-0000-7000-8000-000000000000/cancel").then().statusCode(404);
    }

    @Test
    void cancelOfAProcessingExportStopsItAndLeavesNoUpload() {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 300_000, 100);
        String id = Exports.create(t.key(), body("dataset", "events", "compression", "none"));
        Exports.await(t.key(), id, "processing", "completed");
        Api.as(t.key()).post("/v1/exports/" + id + "/cancel").then().statusCode(200);
        JsonPath end = Exports.await(t.key(), id);
        assertEquals("canceled", end.getString("status"), "300k rows cannot finish before the cancel arrives");
        assertTrue(end.getList("files").isEmpty());
        assertTrue(storage.openUploads("exports/" + t.tenantId()).await().indefinitely().isEmpty(), "no multipart upload left");
        assertEquals(0, Exports.count("select count(*) from export_object where export_id = '" + id + "'"));
        assertTrue(io.outport.support.TestInfra.blobStore.list(io.outport.support.TestInfra.BUCKET,
                        org.jclouds.blobstore.options.ListContainerOptions.Builder.prefix("exports/" + t.tenantId()).recursive())
                .isEmpty(), "no object left");
    }

    @Test
    void nullMeansAbsentForEveryOptionalField() {
        String key = Api.newTenantKey();
        Api.as(key).contentType(ContentType.JSON)
                .body("{\"dataset\":\"events\",\"format\":null,\"compression\":null,\"filters\":null,\"fields\":null,\"max_file_bytes\":null}")
                .post("/v1/exports").then().statusCode(202)
                .body("format", equalTo("ndjson")).body("compression", equalTo("gzip"))
                .body("fields", equalTo(List.of("id", "type", "occurred_at", "user_id", "properties", "received_at")))
                .body("max_file_bytes", equalTo(104857600));
        rejects(key, "{\"dataset\":null}", "dataset");
    }
}
