package io.outport.export;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** POST /v1/exports/estimate: validated like a create, creates nothing, and is close to what the export writes. */
@QuarkusTest
class EstimateTest {

    private static JsonPath estimate(String key, Object body) {
        return Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/exports/estimate")
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void theEstimateMatchesTheExportThatFollows() {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 50_000, 64);
        Exports.seed(Api.newTenantWithKey().tenantId(), 10_000, 64); // another tenant's rows are not counted
        for (Map<String, Object> b : List.of(body("dataset", "events"), body("dataset", "events", "format", "csv"),
                body("dataset", "events", "compression", "none", "max_file_bytes", 5_242_880),
                body("dataset", "events", "filters", Map.of("type", "refund")))) {
            JsonPath e = estimate(t.key(), b);
            JsonPath done = Exports.await(t.key(), Exports.create(t.key(), b));
            assertEquals(done.getLong("row_count"), e.getLong("rows_estimated"), "rows counted exactly: " + b);
            double ratio = e.getDouble("bytes_estimated") / done.getDouble("file_size_bytes");
            assertTrue(ratio > 0.8 && ratio < 1.25, "bytes within 20 %: " + ratio + " for " + b);
            assertEquals(done.getList("files").size(), e.getInt("parts_estimated"), "parts: " + b);
        }
    }

    @Test
    void anEmptyExportIsOnePartAndNothingIsCreated() {
        Api.TenantKey t = Api.newTenantWithKey();
        JsonPath e = estimate(t.key(), body("dataset", "events", "format", "csv"));
        assertEquals(0, e.getLong("rows_estimated"));
        assertEquals(1, e.getInt("parts_estimated"));
        assertTrue(e.getLong("bytes_estimated") > 0, "the header of an empty CSV part");
        Api.as(t.key()).get("/v1/exports").then().statusCode(200).body("data", empty());
        assertEquals(0, Exports.count("select count(*) from export where tenant_id = '" + t.tenantId() + "'"));
    }

    @Test
    void everyCreateErrorIsAnEstimateError() {
        String key = Api.newTenantKey();
        Object[][] cases = {
                {Map.of(), List.of("dataset")},
                {body("dataset", "nope"), List.of("dataset")},
                {body("dataset", "events", "format", "xml", "compression", "zstd"), List.of("format", "compression")},
                {body("dataset", "events", "filters", Map.of("from", "yesterday")), List.of("filters.from")},
                {body("dataset", "events", "fields", List.of("nope")), List.of("fields[0]")},
                {body("dataset", "events", "max_file_bytes", 1), List.of("max_file_bytes")},
                {body("dataset", "events", "colour", "red"), List.of("colour")},
                {body("dataset", "orders", "filters", Map.of("status", "lost")), List.of("filters.status")},
        };
        for (Object[] c : cases) {
            Api.as(key).contentType(ContentType.JSON).body(c[0]).post("/v1/exports/estimate").then().statusCode(400)
                    .contentType("application/problem+json").body("errors.field", containsInAnyOrder(((List<?>) c[1]).toArray()));
        }
        Api.as(key).contentType(ContentType.JSON).body("{").post("/v1/exports/estimate").then().statusCode(400);
        Api.as(key).contentType(ContentType.TEXT).body("x").post("/v1/exports/estimate").then().statusCode(415);
        Api.as(key).get("/v1/exports/estimate").then().statusCode(404);
        Api.as(key).get("/v1/exports").then().body("data", empty());
    }

    @Test
    void anEstimateCountsAsAWrite() {
        String key = Api.newTenantKey();
        String before = Api.as(key).contentType(ContentType.JSON).body(body("dataset", "events")).post("/v1/exports/estimate")
                .then().statusCode(200).extract().header("RateLimit");
        assertTrue(before.startsWith("\"writes\""), before);
    }
}
