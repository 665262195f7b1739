package io.outport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outport.export.storage.ExportStorage;
import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** Exports run end to end against PostgreSQL and S3Proxy: the files are checked byte for byte. */
@QuarkusTest
class ExportEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Values that break naive encoders: quotes, commas, CR/LF, tabs, control characters, unicode. */
    private static final List<String> TRICKY = List.of("plain", "with \"quotes\"", "comma, separated", "line\nbreak",
            "crlf\r\nend", "tab\there", "ctrl\u0001\u001f", "ünïcødé ✓ 日本語 😀", "back\\slash", "", " spaced ",
            "'single'", "--; drop table event;");

    @Inject
    ExportStorage storage;

    /** Ingests events through the API with tricky values; returns them as the list endpoint orders them. */
    private List<Map<String, Object>> ingest(String key, int n) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> e = new java.util.LinkedHashMap<>();
            e.put("type", i % 5 == 0 ? "refund" : "purchase");
            // Out of order, with equal timestamps, so the (occurred_at, id) order is really tested.
            e.put("occurred_at", String.format("2026-01-%02dT10:%02d:00.%03d+02:00", 1 + (i * 7) % 28, i % 60, i % 3 == 0 ? 0 : i));
            if (i % 4 != 0) {
                e.put("user_id", TRICKY.get(i % TRICKY.size()));
            }
            e.put("properties", Map.of("amount", i * 1.5, "label", TRICKY.get((i + 3) % TRICKY.size()),
                    "nested", Map.of("list", List.of(1, "two", true))));
            events.add(e);
            if (events.size() == 500 || i == n - 1) {
                Api.as(key).contentType(ContentType.JSON).body(Map.of("events", events)).post("/v1/events")
                        .then().statusCode(202).body("accepted", equalTo(events.size()));
                events.clear();
            }
        }
        List<Map<String, Object>> all = new ArrayList<>();
        String cursor = null;
        do {
            var req = Api.as(key).queryParam("limit", 1000);
            if (cursor != null) {
                req = req.queryParam("cursor", cursor);
            }
            JsonPath page = req.get("/v1/events").then().statusCode(200).extract().jsonPath();
            all.addAll(page.getList("data"));
            cursor = page.getString("next_cursor");
        } while (cursor != null);
        assertEquals(n, all.size());
        return all;
    }

    @Test
    void ndjsonRoundTripKeepsEveryRowOnceInOrderWithValuesIntact() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        List<Map<String, Object>> expected = ingest(t.key(), 1500);
        String id = Exports.create(t.key(), body("dataset", "events"));
        JsonPath done = Exports.await(t.key(), id);
        assertEquals("completed", done.getString("status"), done.prettify());
        assertEquals(1500, done.getLong("row_count"));
        assertEquals(1, done.getInt("attempts"));
        assertEquals(1, done.getList("files").size());
        assertEquals(done.getString("files[0].url"), done.getString("download_url"));

        byte[] stored = Exports.fetch(done.getString("download_url"));
        assertEquals(done.getLong("file_size_bytes"), stored.length);
        assertEquals(done.getString("files[0].sha256"), sha256(stored));
        String text = Exports.gunzip(stored);
        assertTrue(text.endsWith("\n"));
        String[] lines = text.split("\n");
        assertEquals(expected.size(), lines.length);
        for (int i = 0; i < lines.length; i++) {
            JsonNode row = JSON.readTree(lines[i]);
            Map<String, Object> want = expected.get(i);
            assertEquals(List.of("id", "type", "occurred_at", "user_id", "properties", "received_at"),
                    iterableToList(row.fieldNames()), "keys in dataset order");
            assertEquals(((Number) want.get("id")).longValue(), row.get("id").asLong());
            assertEquals(want.get("type"), row.get("type").asText());
            assertEquals(want.get("occurred_at"), row.get("occurred_at").asText());
            assertTrue(row.get("occurred_at").asText().endsWith("Z"));
            assertEquals(want.get("user_id"), row.get("user_id").isNull() ? null : row.get("user_id").asText());
            assertSameJson(want.get("properties"), row.get("properties"));
        }
    }

    @Test
    void csvRoundTripFollowsRfc4180() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        List<Map<String, Object>> expected = ingest(t.key(), 700);
        String id = Exports.create(t.key(), body("dataset", "events", "format", "csv",
                "fields", List.of("id", "user_id", "properties", "occurred_at")));
        JsonPath done = Exports.await(t.key(), id);
        assertEquals("completed", done.getString("status"), done.prettify());
        String text = Exports.gunzip(Exports.fetch(done.getString("download_url")));
        List<List<String>> records = Csv.parse(text);
        assertEquals(List.of("id", "user_id", "properties", "occurred_at"), records.get(0));
        assertEquals(expected.size() + 1, records.size());
        assertTrue(text.endsWith("\r\n"));
        for (int i = 0; i < expected.size(); i++) {
            List<String> r = records.get(i + 1);
            Map<String, Object> want = expected.get(i);
            assertEquals(String.valueOf(want.get("id")), r.get(0));
            assertEquals(want.get("user_id") == null ? "" : want.get("user_id"), r.get(1));
            assertSameJson(want.get("properties"), JSON.readTree(r.get(2)));
            assertEquals(want.get("occurred_at"), r.get(3));
        }
    }

    @Test
    void fieldsAndFiltersSelectColumnsAndRows() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        List<Map<String, Object>> all = ingest(t.key(), 400);
        String id = Exports.create(t.key(), body("dataset", "events", "compression", "none",
                "fields", List.of("type", "id"),
                "filters", body("from", "2026-01-05T00:00:00Z", "to", "2026-01-20T00:00:00+00:00",
                        "type", List.of("refund"))));
        JsonPath done = Exports.await(t.key(), id);
        assertEquals("completed", done.getString("status"), done.prettify());
        List<Long> want = all.stream()
                .filter(e -> "refund".equals(e.get("type")))
                .filter(e -> ((String) e.get("occurred_at")).compareTo("2026-01-05T00:00:00Z") >= 0
                        && ((String) e.get("occurred_at")).compareTo("2026-01-20T00:00:00Z") < 0)
                .map(e -> ((Number) e.get("id")).longValue()).toList();
        assertFalse(want.isEmpty());
        String text = new String(Exports.fetch(done.getString("download_url")), StandardCharsets.UTF_8);
        List<Long> got = new ArrayList<>();
        for (String line : text.split("\n")) {
            JsonNode row = JSON.readTree(line);
            assertEquals(List.of("type", "id"), iterableToList(row.fieldNames()));
            assertEquals("refund", row.get("type").asText());
            got.add(row.get("id").asLong());
        }
        assertEquals(want, got);
        assertEquals(want.size(), done.getInt("row_count"));

        String byUser = Exports.create(t.key(), body("dataset", "events", "filters", body("user_id", "plain")));
        JsonPath userDone = Exports.await(t.key(), byUser);
        long plain = all.stream().filter(e -> "plain".equals(e.get("user_id"))).count();
        assertEquals(plain, userDone.getLong("row_count"));
    }

    @Test
    void emptyExportCompletesWithOneValidEmptyPart() {
        Api.TenantKey t = Api.newTenantWithKey();
        JsonPath ndjson = Exports.await(t.key(), Exports.create(t.key(), body("dataset", "events")));
        assertEquals("completed", ndjson.getString("status"));
        assertEquals(0, ndjson.getLong("row_count"));
        assertEquals(1, ndjson.getList("files").size());
        assertEquals("", Exports.gunzip(Exports.fetch(ndjson.getString("download_url"))));

        JsonPath csv = Exports.await(t.key(), Exports.create(t.key(), body("dataset", "events", "format", "csv")));
        assertEquals("id,type,occurred_at,user_id,properties,received_at\r\n",
                Exports.gunzip(Exports.fetch(csv.getString("download_url"))));
    }

    @Test
    void largeExportIsSplitIntoPartsWithCorrectDigests() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        // ~1 KiB per row, uncompressed: 17 MiB, so at least 3 parts of 5 MiB.
        Exports.seed(t.tenantId(), 17_000, 1000);
        String id = Exports.create(t.key(), body("dataset", "events", "compression", "none",
                "max_file_bytes", 5 * 1024 * 1024));
        JsonPath done = Exports.await(t.key(), id);
        assertEquals("completed", done.getString("status"), done.prettify());
        List<Map<String, Object>> files = done.getList("files");
        assertTrue(files.size() >= 3, "parts: " + files.size());
        long rows = 0;
        long size = 0;
        long lastId = -1;
        String lastTime = "";
        for (int p = 0; p < files.size(); p++) {
            Map<String, Object> f = files.get(p);
            assertEquals(p + 1, f.get("part"));
            byte[] stored = Exports.fetch((String) f.get("url"));
            assertEquals(((Number) f.get("size_bytes")).longValue(), stored.length);
            assertEquals(f.get("sha256"), sha256(stored));
            String[] lines = new String(stored, StandardCharsets.UTF_8).split("\n");
            assertEquals(((Number) f.get("rows")).longValue(), lines.length);
            if (p < files.size() - 1) {
                assertTrue(stored.length >= 5 * 1024 * 1024, "a part is cut only once it reached max_file_bytes");
            }
            for (String line : lines) {
                JsonNode row = JSON.readTree(line);
                String time = row.get("occurred_at").asText();
                long rowId = row.get("id").asLong();
                assertTrue(time.compareTo(lastTime) > 0 || (time.equals(lastTime) && rowId > lastId), "order");
                lastTime = time;
                lastId = rowId;
            }
            rows += lines.length;
            size += stored.length;
        }
        assertEquals(17_000, rows);
        assertEquals(17_000, done.getLong("row_count"));
        assertEquals(size, done.getLong("file_size_bytes"));
        assertTrue(storage.openUploads("exports/").await().indefinitely().stream()
                .noneMatch(u -> u.key().contains(t.tenantId())), "no multipart upload left");
    }

    @Test
    void downloadRedirectsToPresignedUrlThatRefusesTampering() {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 10, 10);
        String id = Exports.create(t.key(), body("dataset", "events"));
        JsonPath done = Exports.await(t.key(), id);
        assertEquals("completed", done.getString("status"));
        String location = Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download")
                .then().statusCode(307).extract().header("Location");
        assertTrue(location.contains("X-Amz-Signature="), location);
        assertTrue(location.contains("/exports/" + t.tenantId() + "/"), "object key under the tenant");
        assertEquals(200, Exports.status(location));
        String tampered = location.replace("part-00001", "part-00002");
        assertEquals(403, Exports.status(tampered));
        String forged = location.replaceAll("X-Amz-Signature=[0-9a-f]{4}", "X-Amz-Signature=0000");
        assertEquals(403, Exports.status(forged));
        Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download?part=2")
                .then().statusCode(404).body("code", equalTo("not_found"));
        Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download?part=x")
                .then().statusCode(400).body("errors[0].field", equalTo("part"));
    }

    @Test
    void filesOfOneTenantAreInvisibleToAnother() {
        Api.TenantKey a = Api.newTenantWithKey();
        Api.TenantKey b = Api.newTenantWithKey();
        Exports.seed(a.tenantId(), 5, 10);
        String id = Exports.create(a.key(), body("dataset", "events"));
        assertEquals("completed", Exports.await(a.key(), id).getString("status"));
        Api.as(b.key()).get("/v1/exports/" + id).then().statusCode(404).body("code", equalTo("not_found"));
        Api.as(b.key()).redirects().follow(false).get("/v1/exports/" + id + "/download").then().statusCode(404);
        Api.as(b.key()).post("/v1/exports/" + id + "/cancel").then().statusCode(404);
        Api.as(b.key()).get("/v1/exports").then().statusCode(200).body("data.id", not(hasItem(id)));
        // b's export of the same dataset sees none of a's rows.
        assertEquals(0, Exports.await(b.key(), Exports.create(b.key(), body("dataset", "events"))).getLong("row_count"));
    }

    @Test
    void expiredExportIsGoneAndItsObjectsDeleted() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 20, 10);
        String id = Exports.create(t.key(), body("dataset", "events"));
        JsonPath done = Exports.await(t.key(), id);
        String url = done.getString("download_url");
        assertEquals(200, Exports.status(url));
        try (Connection c = TestInfra.connect()) {
            c.createStatement().execute("update export set expires_at = now() - interval '1 second' where id = '" + id + "'");
        }
        // Past retention the API says expired at once, before the reaper ran.
        Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download")
                .then().statusCode(410).body("code", equalTo("export_expired"));
        JsonPath expired = Exports.await(t.key(), id, "expired");
        assertTrue(expired.getList("files").isEmpty());
        assertNull(expired.get("download_url"));
        // The reaper (every second in tests) deletes the objects and records the state.
        long deadline = System.nanoTime() + 30_000_000_000L;
        String state;
        do {
            Exports.pause(100);
            try (Connection c = TestInfra.connect()) {
                ResultSet rs = c.createStatement().executeQuery("select status from export where id = '" + id + "'");
                rs.next();
                state = rs.getString(1);
            }
        } while (!state.equals("expired") && System.nanoTime() < deadline);
        assertEquals("expired", state);
        assertEquals(404, Exports.status(url) == 404 ? 404 : Exports.status(url), "object deleted");
        Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download").then().statusCode(410);
    }

    /** JSON equality with numbers compared by value (1.5 as float or double is the same number). */
    static void assertSameJson(Object expected, JsonNode actual) {
        JsonNode want = JSON.valueToTree(expected);
        java.util.Comparator<JsonNode> numeric = (a, b) -> a.isNumber() && b.isNumber()
                ? Double.compare(a.doubleValue(), b.doubleValue()) : a.equals(b) ? 0 : 1;
        assertTrue(want.equals(numeric, actual), want + " != " + actual);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }
}
