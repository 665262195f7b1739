package io.outport.export.push;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** GET /v1/exports/{id}/events: Server-Sent Events of status and progress, ids, Last-Event-ID, the end. */
@QuarkusTest
class EventStreamTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URI base;

    /** One event as received: its id, name and data (comments are kept apart). */
    record Event(String id, String name, String data) {
        JsonPath json() {
            return JsonPath.from(data);
        }
    }

    private HttpResponse<java.util.stream.Stream<String>> open(String key, String exportId, String lastEventId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/exports/" + exportId + "/events"))
                .header("Authorization", "Bearer " + key).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofLines());
    }

    /** Reads events until the stream ends. */
    static List<Event> events(Iterator<String> lines, List<String> comments) {
        List<Event> events = new ArrayList<>();
        String id = null;
        String name = null;
        StringBuilder data = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty()) {
                if (data != null) {
                    events.add(new Event(id, name, data.toString()));
                }
                id = null;
                name = null;
                data = null;
            } else if (line.startsWith(":")) {
                comments.add(line);
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                name = line.substring(6).trim();
            } else if (!line.startsWith("data:")) {
                throw new AssertionError("a line that is no SSE field of ours: " + line);
            } else {
                data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(5).trim());
            }
        }
        return events;
    }

    @Test
    void streamsStatusAndProgressOfARealExportAndEndsAfterCompletion() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        int rows = 300_000;
        Exports.seed(t.tenantId(), rows, 256); // wide rows: a part every ~5 % of them
        String id = Exports.create(t.key(), Exports.body("dataset", "events", "compression", "none",
                "max_file_bytes", 5 * 1024 * 1024));
        var response = open(t.key(), id, null);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<Event> events = events(response.body().iterator(), new ArrayList<>());

        assertFalse(events.isEmpty());
        assertEquals("status", events.get(0).name(), "the first event is the status");
        Event last = events.get(events.size() - 1);
        assertEquals("status", last.name());
        assertEquals("completed", last.json().getString("status"));
        assertEquals(rows, last.json().getLong("row_count"));
        assertEquals(100, last.json().getInt("progress.percent"));
        assertNotNull(last.json().getString("files[0].url"), "the final status carries the download URLs");
        for (int i = 0; i < events.size(); i++) {
            assertEquals(Long.toString(events.get(0).id() == null ? -1 : Long.parseLong(events.get(0).id()) + i),
                    events.get(i).id(), "ids count up by one");
        }
        List<Event> progress = events.stream().filter(e -> e.name().equals("progress")).toList();
        int lastPercent = -1;
        // More than 100,000 rows: counted beside the export, which does not wait for the count; it is the
        // snapshot's exact count, known before a tenth of the rows are written (SPEC).
        long knownAt = -1;
        for (Event e : events) {
            // Progress events carry the progress; status events carry it too, as "progress".
            JsonPath json = e.json();
            String at = e.name().equals("progress") ? "" : "progress.";
            if (json.get(at + "rows") == null) {
                continue;
            }
            long written = json.getLong(at + "rows");
            if (json.get(at + "rows_estimated") == null) {
                assertEquals(-1, knownAt, "once known, the estimate stays");
                assertTrue(written < rows / 10, "unknown at " + written + " rows");
            } else {
                knownAt = knownAt >= 0 ? knownAt : written;
                assertEquals(rows, json.getLong(at + "rows_estimated"), "the estimate is the snapshot's count");
            }
        }
        for (Event p : progress) {
            JsonPath json = p.json();
            int percent = json.getInt("percent");
            assertTrue(percent >= lastPercent && percent < 100, "percent grows and stays below 100: " + percent);
            lastPercent = percent;
            assertTrue(json.getLong("rows") <= rows);
        }
        System.out.println("[estimate] the count of " + rows + " rows was known at " + knownAt + " rows written; events: "
                + events.stream().map(e -> e.name() + ":" + e.json().get(e.name().equals("progress") ? "rows" : "progress.rows")).toList());
        assertTrue(knownAt >= 0 && knownAt < rows / 10, "known before a tenth: at " + knownAt);
        // A status event for every change — of status, or a part finished — none repeated.
        List<Event> statusEvents = events.stream().filter(e -> e.name().equals("status")).toList();
        List<String> changes = statusEvents.stream()
                .map(e -> e.json().getString("status") + " with " + e.json().getList("files").size() + " part(s)").toList();
        assertEquals(changes.stream().distinct().toList(), changes);
        List<String> statuses = statusEvents.stream().map(e -> e.json().getString("status")).distinct().toList();
        assertTrue(List.of(List.of("queued", "processing", "completed"), List.of("processing", "completed"),
                List.of("completed")).contains(statuses), statuses.toString());
        // Parts finished before the end arrive as they finish, each with its URL, one more each time.
        List<Event> whileProcessing = statusEvents.stream()
                .filter(e -> e.json().getString("status").equals("processing") && !e.json().getList("files").isEmpty()).toList();
        assertFalse(whileProcessing.isEmpty(), changes.toString());
        for (Event e : whileProcessing) {
            int n = e.json().getList("files").size();
            assertEquals(n, e.json().getInt("files[" + (n - 1) + "].part"));
            assertNotNull(e.json().getString("files[" + (n - 1) + "].url"));
        }
    }

    @Test
    void aChangeMadeElsewhereArrivesAndTheStreamEndsAtAFinalState() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        var response = open(t.key(), id, "41");
        Iterator<String> lines = response.body().iterator();
        CompletableFuture<List<Event>> all = CompletableFuture.supplyAsync(() -> events(lines, new ArrayList<>()));
        Exports.pause(1000);
        // As another replica's worker would: claim it, report progress, then fail it.
        Exports.sql("update export set status = 'processing', attempt = 1, lease_owner = 'elsewhere',"
                + " lease_expires_at = now() + interval '1 minute', started_at = now(), attempt_started_at = now()"
                + " where id = '" + id + "'");
        Exports.pause(1200);
        Exports.sql("update export set progress_rows = 10, rows_estimated = 40, progress_percent = 25 where id = '" + id + "'");
        Exports.pause(1200);
        Exports.sql("update export set progress_rows = 20, progress_percent = 50 where id = '" + id + "'");
        Exports.pause(1200);
        Exports.sql("update export set status = 'failed', error_code = 'export_error', error_message = 'boom',"
                + " finished_at = now(), lease_owner = null, lease_expires_at = null where id = '" + id + "'");
        List<Event> events = all.get();
        assertEquals("42", events.get(0).id(), "ids continue after Last-Event-ID");
        assertEquals(List.of("status:queued", "status:processing", "progress:10", "progress:20", "status:failed"),
                events.stream().map(e -> e.name() + ":" + (e.name().equals("status") ? e.json().getString("status")
                        : e.json().getString("rows"))).toList());
        JsonPath p = events.get(3).json();
        assertEquals(40, p.getLong("rows_estimated"));
        assertEquals(50, p.getInt("percent"));
        assertNotNull(p.get("eta_seconds"));
        assertEquals("boom", events.get(4).json().getString("error.message"));
    }

    /** A request that must not open a stream: its status and body, read with a time limit. */
    private HttpResponse<String> refused(String key, String exportId, String lastEventId, String method) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/exports/" + exportId + "/events"))
                .timeout(java.time.Duration.ofSeconds(30)).header("Accept", "text/event-stream")
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void problem(HttpResponse<String> r, int status, String field) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
        if (field != null) {
            assertTrue(JsonPath.from(r.body()).getList("errors.field").contains(field), r.body());
        }
    }

    @Test
    void badRequestsAreProblemsNotStreams() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        for (String bad : new String[]{"abc", "-1", "1.5", "1234567890123456789012", "1 2"}) {
            problem(refused(t.key(), id, bad, "GET"), 400, "Last-Event-ID");
        }
        problem(refused(Api.newTenantKey(), id, null, "GET"), 404, null);
        problem(refused(t.key(), "not-an-id", null, "GET"), 404, null);
        problem(refused(t.key(), "0193a5c2-0000-7000-8000-000000000000", null, "GET"), 404, null);
        HttpResponse<String> post = refused(t.key(), id, null, "POST");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD, OPTIONS", post.headers().firstValue("Allow").orElse(""));
        assertEquals(401, refused(null, id, null, "GET").statusCode());
    }

    @Test
    void aFinishedExportGetsOneStatusEventAndTheEnd() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        Exports.sql("update export set status = 'canceled', finished_at = now() where id = '" + id + "'");
        List<Event> events = events(open(t.key(), id, null).body().iterator(), new ArrayList<>());
        assertEquals(1, events.size());
        assertEquals("1", events.get(0).id());
        assertEquals("canceled", events.get(0).json().getString("status"));
    }

    @Test
    void aStreamCountsOnceTowardTheReadLimitWhenItOpens() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        int before = remaining(Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).extract().header("RateLimit"));
        var response = open(t.key(), id, null);
        assertEquals(before - 1, remaining(response.headers().firstValue("RateLimit").orElseThrow()), "the stream's own request");
        assertTrue(response.headers().firstValue("RateLimit-Policy").orElseThrow().startsWith("\"reads\""));
        assertTrue(response.headers().firstValue("X-Request-Id").isPresent());
        assertEquals("no-cache", response.headers().firstValue("Cache-Control").orElse(""));
        Iterator<String> lines = response.body().iterator();
        CompletableFuture<List<Event>> all = CompletableFuture.supplyAsync(() -> events(lines, new ArrayList<>()));
        Exports.sql("update export set progress_rows = 5 where id = '" + id + "'");
        Exports.pause(1500);
        Exports.sql("update export set status = 'canceled', finished_at = now() where id = '" + id + "'");
        assertEquals("canceled", all.get().get(all.get().size() - 1).json().getString("status"));
        int after = remaining(Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).extract().header("RateLimit"));
        assertEquals(before - 2, after, "events sent on the stream cost nothing");
    }

    /** r= of a RateLimit header: "reads";r=599;t=42. */
    private static int remaining(String header) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(";r=([0-9]+)").matcher(header);
        assertTrue(m.find(), header);
        return Integer.parseInt(m.group(1));
    }
}
