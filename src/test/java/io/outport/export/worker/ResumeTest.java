package io.outport.export.worker;

import io.outport.export.queue.Claimed;
import io.outport.export.queue.ExportQueue;
import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.StrictNoWorker;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Parts before the end and resume, driven step by step with the worker role off: finished parts are listed
 * and downloadable while the export runs; a new attempt keeps them untouched and continues after the last
 * one, reading exactly the first attempt's snapshot.
 */
@QuarkusTest
@TestProfile(StrictNoWorker.class)
class ResumeTest {

    private static final java.util.regex.Pattern ROW = java.util.regex.Pattern.compile("\\{\"id\":(\\d+),\"occurred_at\":\"([^\"]+)\"");

    private static final java.util.regex.Pattern ORDER = java.util.regex.Pattern.compile("\\{\"id\":(\\d+),\"created_at\":\"([^\"]+)\"");

    @Inject
    ExportQueue queue;

    @Inject
    ExportRunner runner;

    private Claimed claimOnly(String owner, String exportId) {
        List<Claimed> claimed = queue.claim(owner, 1).await().atMost(Duration.ofSeconds(10));
        assertEquals(1, claimed.size());
        assertEquals(exportId, claimed.get(0).export().id().toString());
        return claimed.get(0);
    }

    /** Claims the export for {@code owner} and runs the attempt in the background until {@code n} parts are recorded. */
    private CompletableFuture<ExportRunner.Outcome> runUntilParts(String owner, String exportId, int n) {
        Claimed claimed = claimOnly(owner, exportId);
        CompletableFuture<ExportRunner.Outcome> run = runner.run(claimed, new RunControl()).subscribeAsCompletionStage();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (parts(exportId) < n && System.nanoTime() < deadline) {
            Exports.pause(5);
        }
        assertTrue(parts(exportId) >= n, n + " part(s) finished");
        return run;
    }

    /**
     * Holds the export's row locked: the running attempt stops at its next fenced write (recording a part or
     * completing), so what it has recorded stays as it is while the test looks.
     */
    private static java.sql.Connection holdAtNextWrite(String exportId) throws java.sql.SQLException {
        java.sql.Connection lock = io.outport.support.TestInfra.connect();
        lock.setAutoCommit(false);
        lock.createStatement().execute("select 1 from export where id = '" + exportId + "' for update");
        return lock;
    }

    /**
     * While the attempt is held, its lease is lost (a crash, a partition) and the export is queued again, as
     * the rescuer does it: the held write is then refused by the fence, and the attempt stops and discards
     * only the part it had not finished. Returns the parts recorded.
     */
    private Map<Integer, String> loseTheLease(java.sql.Connection held, String exportId,
                                              CompletableFuture<ExportRunner.Outcome> run) throws Exception {
        try (held) {
            held.createStatement().execute("update export set status = 'queued', run_at = now(), lease_owner = null,"
                    + " lease_expires_at = null, error_code = 'worker_lost', error_message = 'lost' where id = '" + exportId + "'");
            held.commit();
        }
        assertEquals(ExportRunner.Outcome.lease_lost, run.get(120, TimeUnit.SECONDS));
        assertEquals(0, Exports.count("select count(*) from export_object where export_id = '" + exportId + "'"),
                "the unfinished part was discarded");
        return recorded(exportId);
    }

    private static long parts(String exportId) {
        return Exports.count("select count(*) from export_file where export_id = '" + exportId + "'");
    }

    /** part → "object_key sha256" as recorded. */
    private static Map<Integer, String> recorded(String exportId) {
        Map<Integer, String> m = new java.util.TreeMap<>();
        try (var c = io.outport.support.TestInfra.connect()) {
            var rs = c.createStatement().executeQuery("select part, object_key, sha256 from export_file where export_id = '"
                    + exportId + "' order by part");
            while (rs.next()) {
                m.put(rs.getInt(1), rs.getString(2) + " " + rs.getString(3));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    @Test
    void finishedPartsAreDownloadableWhileProcessingAndANewAttemptKeepsThemAndReadsTheFirstSnapshot() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 60_000, 1000);
        String id = Exports.create(t.key(), body("dataset", "events", "compression", "none", "fields",
                List.of("id", "occurred_at", "properties"), "max_file_bytes", 5 * 1024 * 1024));
        CompletableFuture<ExportRunner.Outcome> runA = runUntilParts("worker-a", id, 2);
        java.sql.Connection held = holdAtNextWrite(id);
        long recordedWhenHeld = parts(id);

        // While processing: the finished parts, with URLs; part 1 downloads; a part not finished yet is a 409,
        // one the export cannot have (more parts than rows) a 404.
        JsonPath running = Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals("processing", running.getString("status"));
        assertTrue(running.getList("files").size() >= 2, running.prettify());
        assertNull(running.get("download_url"), "download_url is for completed exports");
        assertNull(running.get("watermark"));
        String part1 = new String(Exports.fetch(running.getString("files[0].url")), StandardCharsets.UTF_8);
        assertTrue(part1.startsWith("{\"id\":"), part1.substring(0, 20));
        assertEquals(running.getLong("files[0].rows"), part1.lines().count());
        Api.as(t.key()).redirects().follow(false).get("/v1/exports/" + id + "/download?part=1").then().statusCode(307);
        Api.as(t.key()).get("/v1/exports/" + id + "/download?part=5000").then().statusCode(409)
                .body("code", equalTo("export_not_ready")).body("detail", containsString("not finished yet"));
        Api.as(t.key()).get("/v1/exports/" + id + "/download?part=60001").then().statusCode(404);

        // Worker A loses its lease mid-export; the export is queued again.
        Map<Integer, String> kept = loseTheLease(held, id, runA);
        assertEquals(recordedWhenHeld, kept.size(), "nothing recorded after the lease was lost");

        // Rows committed after the export began, spread over the whole time range: before and after the cut.
        Exports.sql("insert into event (tenant_id, type, occurred_at, properties) select '" + t.tenantId()
                + "', 'late', timestamptz '2026-01-01' + g * interval '1 hour', '{}' from generate_series(0, 300) g");

        Claimed b = claimOnly("worker-b", id);
        assertEquals(2, b.attempt());
        JsonPath resumed = Api.as(t.key()).get("/v1/exports/" + id).then().extract().jsonPath();
        assertEquals(kept.size(), resumed.getList("files").size(), "the kept parts are listed from the start of attempt 2");
        assertEquals(ExportRunner.Outcome.completed, runner.run(b, new RunControl()).await().atMost(Duration.ofSeconds(120)));

        JsonPath done = Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals("completed", done.getString("status"));
        assertEquals(2, done.getInt("attempts"));
        assertEquals(60_000, done.getLong("row_count"), "exactly the first attempt's snapshot");
        assertEquals(60_000, done.getLong("progress.rows_estimated"));
        Map<Integer, String> after = recorded(id);
        kept.forEach((part, keySha) -> assertEquals(keySha, after.get(part), "part " + part + " unchanged"));
        assertTrue(after.size() > kept.size(), "attempt 2 wrote the rest");

        List<Long> ids = new ArrayList<>();
        List<String> times = new ArrayList<>();
        for (String url : done.<String>getList("files.url")) {
            for (String line : new String(Exports.fetch(url), StandardCharsets.UTF_8).split("\n")) {
                // {"id":…,"occurred_at":"…","properties":…}: read with a pattern (60,000 lines)
                java.util.regex.Matcher m = ROW.matcher(line);
                assertTrue(m.lookingAt(), line);
                ids.add(Long.parseLong(m.group(1)));
                times.add(m.group(2));
            }
        }
        assertEquals(60_000, ids.size());
        assertEquals(60_000, new HashSet<>(ids).size(), "every row exactly once");
        for (int i = 1; i < ids.size(); i++) {
            int c = times.get(i - 1).compareTo(times.get(i));
            assertTrue(c < 0 || (c == 0 && ids.get(i - 1) < ids.get(i)), "in (occurred_at, id) order at row " + i);
        }
        Set<Long> late = new HashSet<>();
        try (var c = io.outport.support.TestInfra.connect()) {
            var rs = c.createStatement().executeQuery("select id from event where type = 'late' and tenant_id = '"
                    + t.tenantId() + "'");
            while (rs.next()) {
                late.add(rs.getLong(1));
            }
        }
        assertEquals(301, late.size());
        assertTrue(ids.stream().noneMatch(late::contains), "rows committed after the export began are not in it");
    }

    @Test
    void anAttemptThatFindsEveryPartFinishedCompletesWithoutReadingAgain() {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.create(t.key(), body("dataset", "events"));
        Claimed a = claimOnly("worker-e", id);
        // The only part of an empty export was recorded, then the worker died before completing.
        assertEquals(ExportRunner.Outcome.completed, runner.run(a, new RunControl()).await().atMost(Duration.ofSeconds(60)));
        Exports.sql("update export set status = 'queued', attempt = 1, finished_at = null, expires_at = null,"
                + " row_count = null, file_size_bytes = null, progress_percent = 0 where id = '" + id + "'");
        Exports.seed(t.tenantId(), 10, 10);
        Claimed b = claimOnly("worker-f", id);
        assertEquals(ExportRunner.Outcome.completed, runner.run(b, new RunControl()).await().atMost(Duration.ofSeconds(60)));
        JsonPath done = Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals(0, done.getLong("row_count"));
        assertEquals(1, done.getList("files").size());
    }

    @Test
    void aDeclaredDatasetResumesAfterItsLastKeptRowWithinItsMark() throws Exception {
        String account = "acct-resume-" + System.nanoTime();
        Api.TenantKey t = Api.newTenantWithKey(account);
        io.outport.support.TestInfra.sourceSql("insert into shop.orders (account_id, created_at, status, total, customer, updated_at)"
                + " select '" + account + "', timestamptz '2026-01-01' + (g % 5000) * interval '1 minute', 'paid', g,"
                + " repeat('c', 40), timestamptz '2026-01-01' from generate_series(1, 120000) g");
        String id = Exports.create(t.key(), body("dataset", "orders", "compression", "none", "fields",
                List.of("id", "created_at", "customer"), "max_file_bytes", 5 * 1024 * 1024));
        CompletableFuture<ExportRunner.Outcome> runA = runUntilParts("worker-d1", id, 1);
        Map<Integer, String> kept = loseTheLease(holdAtNextWrite(id), id, runA);
        // Changes between the attempts: a new order at the very start and one at the very end of the time
        // order. Both moved past the export's mark (updated_at), so they are left to the next incremental export.
        io.outport.support.TestInfra.sourceSql("insert into shop.orders (account_id, created_at, status, total, customer) values"
                + " ('" + account + "', '2025-01-01', 'paid', 1, 'first'), ('" + account + "', '2027-01-01', 'paid', 1, 'last')");
        Claimed b = claimOnly("worker-d2", id);
        assertEquals(ExportRunner.Outcome.completed, runner.run(b, new RunControl()).await().atMost(Duration.ofSeconds(120)));
        JsonPath done = Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals(120_000, done.getLong("row_count"));
        Map<Integer, String> after = recorded(id);
        kept.forEach((part, keySha) -> assertEquals(keySha, after.get(part), "part " + part + " unchanged"));
        Set<Long> ids = new HashSet<>();
        String previous = "";
        for (String url : done.<String>getList("files.url")) {
            for (String line : new String(Exports.fetch(url), StandardCharsets.UTF_8).split("\n")) {
                java.util.regex.Matcher m = ORDER.matcher(line);
                assertTrue(m.lookingAt(), line);
                assertTrue(ids.add(Long.parseLong(m.group(1))), "once: " + line);
                assertTrue(previous.compareTo(m.group(2)) <= 0, "in time order: " + line);
                previous = m.group(2);
                assertFalse(line.contains("\"first\"") || line.contains("\"last\""), line);
            }
        }
        assertEquals(120_000, ids.size());
    }
}
