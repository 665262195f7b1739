package io.outport.event;

import io.outport.support.Api;
import io.outport.support.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** docs/api.md, events: batch ingest (all or nothing, limits) and the cursor-paginated list. */
@QuarkusTest
class EventResourceTest {

    private static Map<String, Object> event(String type, String at) {
        return new java.util.HashMap<>(Map.of("type", type, "occurred_at", at, "properties", Map.of("k", 1)));
    }

    private static long count(String tenant) throws Exception {
        try (Connection c = TestInfra.connect()) {
            ResultSet rs = c.createStatement().executeQuery("select count(*) from event where tenant_id = '" + tenant + "'");
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void ingestsABatch() {
        String key = Api.newTenantKey();
        Api.as(key).contentType(ContentType.JSON)
                .body(Map.of("events", List.of(event("purchase", "2026-01-15T10:30:00Z"),
                        Map.of("type", "refund", "occurred_at", "2026-01-15T12:30:00.5+01:00", "user_id", "u_42"))))
                .post("/v1/events").then().statusCode(202).body("accepted", equalTo(2));
        Api.as(key).get("/v1/events").then().statusCode(200)
                .body("data.size()", equalTo(2))
                .body("data[1].type", equalTo("refund")).body("data[1].occurred_at", equalTo("2026-01-15T11:30:00.5Z"))
                .body("data[1].user_id", equalTo("u_42")).body("data[1].properties", equalTo(Map.of()))
                .body("data[0].type", equalTo("purchase")).body("data[0].properties.k", equalTo(1))
                .body("data[0].id", notNullValue()).body("data[0].user_id", nullValue())
                .body("data[0].received_at", notNullValue()).body("next_cursor", nullValue());
    }

    @Test
    void oneBadEventRejectsTheWholeBatchNamingEveryBadField() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        List<Object> events = new ArrayList<>();
        events.add(event("ok", "2026-01-15T10:30:00Z"));
        events.add(Map.of("type", "", "occurred_at", "2026-01-15T10:30:00Z"));
        events.add(Map.of("type", "x".repeat(101), "occurred_at", "2026-01-15"));
        events.add(Map.of("type", "t", "occurred_at", "2026-01-15T10:30:00"));
        events.add(Map.of("type", 5, "occurred_at", 17, "user_id", "u".repeat(201), "properties", List.of(1)));
        events.add(Map.of("type", "t", "occurred_at", "2026-01-15T10:30:00Z", "extra", true));
        events.add(Map.of("occurred_at", "2026-01-15T10:30:00Z", "properties", Map.of("big", "x".repeat(17 * 1024))));
        events.add("not an object");
        events.add(Map.of("type", "nul\u0000", "occurred_at", "2026-13-45T10:30:00Z"));
        Api.as(t.key()).contentType(ContentType.JSON).body(Map.of("events", events)).post("/v1/events")
                .then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("invalid_request"))
                .body("errors.field", hasItems("events[1].type", "events[2].type", "events[2].occurred_at",
                        "events[3].occurred_at", "events[4].type", "events[4].occurred_at", "events[4].user_id",
                        "events[4].properties", "events[5].extra", "events[6].type", "events[6].properties",
                        "events[7]", "events[8].type", "events[8].occurred_at"))
                .body("errors.field", not(hasItem(startsWith("events[0]"))));
        assertEquals(0, count(t.tenantId()), "nothing of a rejected batch is stored");
    }

    @Test
    void batchSizeLimits() {
        String key = Api.newTenantKey();
        Api.as(key).contentType(ContentType.JSON).body("{\"events\":[]}").post("/v1/events")
                .then().statusCode(400).body("errors[0].field", equalTo("events"));
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            many.add(Map.of("type", "t", "occurred_at", "2026-01-15T10:30:00Z"));
        }
        Api.as(key).contentType(ContentType.JSON).body(Map.of("events", many)).post("/v1/events")
                .then().statusCode(400).body("errors[0].field", equalTo("events"));
        Api.as(key).contentType(ContentType.JSON).body("{\"events\":{}}").post("/v1/events")
                .then().statusCode(400).body("errors[0].field", equalTo("events"));
        Api.as(key).contentType(ContentType.JSON).body("{\"events\":[],\"more\":1}").post("/v1/events")
                .then().statusCode(400).body("errors.field", hasItem("more"));
        Api.as(key).contentType(ContentType.JSON).body("[]").post("/v1/events")
                .then().statusCode(400).body("errors[0].field", equalTo("body"));
    }

    @Test
    void oversizedBodyIs413AndWrongContentTypeIs415() {
        String key = Api.newTenantKey();
        String huge = "{\"events\":[{\"type\":\"t\",\"occurred_at\":\"2026-01-15T10:30:00Z\",\"properties\":{\"x\":\""
                + "y".repeat(1024 * 1024) + "\"}}]}";
        Api.as(key).contentType(ContentType.JSON).body(huge).post("/v1/events")
                .then().statusCode(413).contentType("application/problem+json").body("code", equalTo("payload_too_large"));
        Api.as(key).contentType(ContentType.TEXT).body("{}").post("/v1/events")
                .then().statusCode(415).contentType("application/problem+json").body("code", equalTo("unsupported_media_type"));
        Api.as(key).contentType("application/xml").body("<a/>").post("/v1/events").then().statusCode(415);
    }

    @Test
    void listPaginatesWithCursorAndFilters() {
        String key = Api.newTenantKey();
        List<Object> events = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            Map<String, Object> e = event(i % 2 == 0 ? "even" : "odd", String.format("2026-02-01T00:00:%02dZ", 59 - i));
            e.put("user_id", "u" + (i % 3));
            events.add(e);
        }
        Api.as(key).contentType(ContentType.JSON).body(Map.of("events", events)).post("/v1/events").then().statusCode(202);
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var req = Api.as(key).queryParam("limit", 10);
            if (cursor != null) {
                req.queryParam("cursor", cursor);
            }
            JsonPath page = req.get("/v1/events").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("data.occurred_at"));
            cursor = page.getString("next_cursor");
            pages++;
        } while (cursor != null);
        assertEquals(3, pages);
        assertEquals(25, seen.size());
        assertEquals(seen.stream().sorted().toList(), seen, "ordered by occurred_at");
        assertEquals(25, new java.util.HashSet<>(seen).size(), "every event once");

        Api.as(key).queryParam("type", "even").queryParam("user_id", "u0")
                .queryParam("from", "2026-02-01T00:00:40Z").queryParam("to", "2026-02-01T00:01:00Z")
                .get("/v1/events").then().statusCode(200)
                .body("data.type", everyItem(equalTo("even"))).body("data.user_id", everyItem(equalTo("u0")))
                .body("data.size()", equalTo(4));
        Api.as(key).queryParam("type", "even").queryParam("type", "odd").get("/v1/events")
                .then().statusCode(200).body("data.size()", equalTo(25));
    }

    @Test
    void badListParametersAre400NotDefaults() {
        String key = Api.newTenantKey();
        for (String[] bad : new String[][]{{"limit", "0"}, {"limit", "1001"}, {"limit", "abc"}, {"limit", "-1"},
                {"from", "yesterday"}, {"to", "2026-02-01"}, {"cursor", "bogus"}, {"cursor", "YWJj.0000000000000000"},
                {"colour", "red"}}) {
            Api.as(key).queryParam(bad[0], bad[1]).get("/v1/events").then().statusCode(400)
                    .contentType("application/problem+json").body("errors[0].field", equalTo(bad[0]));
        }
        Api.as(key).queryParam("from", "2026-02-02T00:00:00Z").queryParam("to", "2026-02-01T00:00:00Z")
                .get("/v1/events").then().statusCode(400).body("errors[0].field", equalTo("from"));
    }

    @Test
    void nullPropertiesAndUserIdMeanAbsent() {
        String key = io.outport.support.Api.newTenantKey();
        io.outport.support.Api.as(key).contentType(io.restassured.http.ContentType.JSON)
                .body("{\"events\":[{\"type\":\"t\",\"occurred_at\":\"2026-01-15T10:30:00Z\",\"user_id\":null,\"properties\":null}]}")
                .post("/v1/events").then().statusCode(202);
        io.outport.support.Api.as(key).get("/v1/events").then().statusCode(200)
                .body("data[0].properties", org.hamcrest.Matchers.anEmptyMap())
                .body("data[0].user_id", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void anEmptyUserIdCanBeStoredAndFilteredOn() {
        String key = Api.newTenantKey();
        Api.as(key).contentType(ContentType.JSON).body(Map.of("events", List.of(
                Map.of("type", "t", "occurred_at", "2026-01-15T10:30:00Z", "user_id", ""),
                Map.of("type", "t", "occurred_at", "2026-01-15T10:31:00Z", "user_id", "u_1"),
                Map.of("type", "t", "occurred_at", "2026-01-15T10:32:00Z"))))
                .post("/v1/events").then().statusCode(202);
        Api.as(key).get("/v1/events?user_id=").then().statusCode(200)
                .body("data", hasSize(1)).body("data[0].user_id", equalTo("")).body("data[0].occurred_at", equalTo("2026-01-15T10:30:00Z"));
        Api.as(key).get("/v1/events?user_id=u_1").then().statusCode(200).body("data", hasSize(1));
        Api.as(key).get("/v1/events").then().statusCode(200).body("data", hasSize(3));
        Api.as(key).get("/v1/events?user_id=&user_id=").then().statusCode(400).body("errors.field", hasItem("user_id"));
        Api.as(key).get("/v1/events?user_id=" + "u".repeat(201)).then().statusCode(400).body("errors.field", hasItem("user_id"));
    }
}
