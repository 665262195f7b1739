package io.outport.export;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Incremental exports: a completed export's watermark, passed as {@code since}, exports exactly the rows
 * committed after that export's snapshot, so a chain holds every row exactly once, even one whose
 * transaction began before an export's snapshot and committed after it.
 */
@QuarkusTest
class IncrementalTest {

    private static List<String> lines(JsonPath done) {
        List<String> lines = new ArrayList<>();
        for (String url : done.<String>getList("files.url")) {
            String text = Exports.gunzip(Exports.fetch(url));
            text.lines().forEach(lines::add);
        }
        return lines;
    }

    private static List<Long> ids(JsonPath done) {
        return lines(done).stream().map(l -> JsonPath.from(l).getLong("id")).toList();
    }

    private static JsonPath export(String key, Map<String, Object> body) {
        return Exports.await(key, Exports.create(key, body));
    }

    private static void ingest(String key, String type, int n) {
        StringBuilder events = new StringBuilder("{\"events\":[");
        for (int i = 0; i < n; i++) {
            events.append(i == 0 ? "" : ",").append("{\"type\":\"").append(type)
                    .append("\",\"occurred_at\":\"2026-01-0").append(1 + i % 9).append("T10:00:00Z\"}");
        }
        Api.as(key).contentType(ContentType.JSON).body(events.append("]}").toString()).post("/v1/events")
                .then().statusCode(202);
    }

    @Test
    void aChainOfIncrementalExportsHoldsEveryEventOnceEvenWithATransactionThatCommitsLate() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        ingest(t.key(), "first", 50);
        List<Long> all = new ArrayList<>();
        try (Connection late = TestInfra.connect()) {
            // A transaction inserts an event before the first export's snapshot and commits after it: its
            // occurred_at (and its id) are older than rows the first export holds.
            late.setAutoCommit(false);
            late.createStatement().execute("insert into event (tenant_id, type, occurred_at) values ('" + t.tenantId()
                    + "', 'late', '2026-01-01T00:00:00Z')");
            JsonPath a = export(t.key(), body("dataset", "events", "filters", Map.of("type", List.of("first", "late", "second"))));
            assertEquals("completed", a.getString("status"));
            assertEquals(50, a.getLong("row_count"), "the uncommitted event is not in the first export");
            assertNotNull(a.getString("watermark"));
            assertNull(a.get("since"));
            all.addAll(ids(a));
            late.commit();

            ingest(t.key(), "second", 20);
            JsonPath b = export(t.key(), body("dataset", "events", "since", a.getString("watermark"),
                    "filters", Map.of("type", List.of("first", "late", "second"))));
            assertEquals(a.getString("watermark"), b.getString("since"));
            List<String> bLines = lines(b);
            assertEquals(21, bLines.size(), "the late event and the 20 new ones");
            assertTrue(bLines.get(0).contains("\"type\":\"late\""), "still in (occurred_at, id) order: " + bLines.get(0));
            all.addAll(ids(b));

            JsonPath c = export(t.key(), body("dataset", "events", "since", b.getString("watermark"),
                    "filters", Map.of("type", List.of("first", "late", "second"))));
            assertEquals(0, c.getLong("row_count"), "nothing committed since");
            all.addAll(ids(c));
        }
        assertEquals(71, all.size());
        assertEquals(71, new HashSet<>(all).size(), "every event exactly once across the chain");
        Set<Long> stored = new HashSet<>();
        try (Connection c = TestInfra.connect()) {
            var rs = c.createStatement().executeQuery("select id from event where tenant_id = '" + t.tenantId() + "'");
            while (rs.next()) {
                stored.add(rs.getLong(1));
            }
        }
        assertEquals(stored, new HashSet<>(all));
    }

    @Test
    void aDeclaredDatasetContinuesAfterTheHighestIncrementalValueTheEarlierExportSaw() {
        String ext = "acct-inc-" + System.nanoTime();
        Api.TenantKey t = Api.newTenantWithKey(ext);
        TestInfra.sourceSql("insert into shop.orders (account_id, created_at, status, total, updated_at) select '" + ext
                + "', timestamptz '2026-01-01' + g * interval '1 hour', 'paid', g, timestamptz '2026-02-01' + g * interval '1 second'"
                + " from generate_series(1, 30) g");
        JsonPath a = export(t.key(), body("dataset", "orders", "fields", List.of("id", "status")));
        assertEquals(30, a.getLong("row_count"));
        // Two orders change, one is new: exactly those three follow.
        TestInfra.sourceSql("update shop.orders set status = 'shipped', updated_at = timestamptz '2026-03-01' where account_id = '"
                + ext + "' and total in (3, 7)");
        TestInfra.sourceSql("insert into shop.orders (account_id, created_at, status, total, updated_at) values ('" + ext
                + "', '2025-12-01', 'pending', 99, '2026-03-02')");
        JsonPath b = export(t.key(), body("dataset", "orders", "fields", List.of("id", "status"), "since", a.getString("watermark")));
        List<String> changed = lines(b);
        assertEquals(3, changed.size(), changed.toString());
        assertTrue(changed.get(0).contains("pending"), "in (created_at, id) order");
        JsonPath c = export(t.key(), body("dataset", "orders", "since", b.getString("watermark")));
        assertEquals(0, c.getLong("row_count"));
    }

    @Test
    void badWatermarksAre400sNamingSinceAndCreateNothing() {
        Api.TenantKey t = Api.newTenantWithKey();
        Api.TenantKey other = Api.newTenantWithKey();
        ingest(t.key(), "x", 3);
        ingest(other.key(), "x", 3);
        JsonPath mine = export(t.key(), body("dataset", "events"));
        JsonPath theirs = export(other.key(), body("dataset", "events"));
        JsonPath filtered = export(t.key(), body("dataset", "events", "filters", Map.of("type", "x")));
        String parked = Exports.parkedExport(t.tenantId());
        long before = Exports.count("select count(*) from export where tenant_id = '" + t.tenantId() + "'");

        bad(t.key(), body("dataset", "events", "since", "garbage"), "since", "not a watermark");
        bad(t.key(), body("dataset", "events", "since", mine.getString("watermark") + "x"), "since", "not a watermark");
        bad(t.key(), body("dataset", "events", "since", Watermarks.of(java.util.UUID.fromString(parked))), "since",
                "did not complete");
        bad(t.key(), body("dataset", "events", "since", theirs.getString("watermark")), "since", "not a watermark");
        bad(t.key(), body("dataset", "events", "since", 42), "since", "string");
        bad(t.key(), body("dataset", "events", "since", ""), "since", "");
        bad(t.key(), body("dataset", "orders", "since", mine.getString("watermark")), "since", "dataset events");
        bad(t.key(), body("dataset", "unprotected", "since", mine.getString("watermark")), "since", "no incremental-column");
        bad(t.key(), body("dataset", "events", "since", filtered.getString("watermark")), "filters",
                "must be those of the export the watermark comes from");
        bad(t.key(), body("dataset", "events", "since", mine.getString("watermark"), "filters", Map.of("type", "x")),
                "filters", "must be those of the export the watermark comes from");
        Api.as(t.key()).contentType(ContentType.JSON).body(body("dataset", "events", "since", "garbage"))
                .post("/v1/exports/estimate").then().statusCode(400).body("errors.field", hasItem("since"));
        assertEquals(before, Exports.count("select count(*) from export where tenant_id = '" + t.tenantId() + "'"),
                "nothing was created");

        // A good one estimates the rows it would export: none committed since.
        Api.as(t.key()).contentType(ContentType.JSON).body(body("dataset", "events", "since", mine.getString("watermark")))
                .post("/v1/exports/estimate").then().statusCode(200).body("rows_estimated", equalTo(0));
    }

    private static void bad(String key, Map<String, Object> body, String field, String message) {
        Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/exports").then().statusCode(400)
                .contentType("application/problem+json").body("code", equalTo("invalid_request"))
                .body("errors.field", hasItem(field)).body("detail", containsString(message));
    }
}
