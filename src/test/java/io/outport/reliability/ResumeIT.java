package io.outport.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outport.support.Exports;
import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.outport.support.TestInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Resume after SIGKILL, with real processes (the packaged jar): a worker killed mid-export leaves its
 * finished parts listed and downloadable while the export waits for its lease to expire; the replica that
 * takes over keeps them byte for byte and continues after the last one, with the first attempt's snapshot:
 * every row once, in order, and rows committed after the export began stay out.
 */
class ResumeIT extends RealProcesses {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ServiceProcess> started = new ArrayList<>();

    @AfterEach
    void killAll() {
        started.forEach(ServiceProcess::close);
    }

    private ServiceProcess replica(String name, Map<String, String> extra) throws Exception {
        ServiceProcess p = ServiceProcess.start(name, infra, extra);
        started.add(p);
        return p;
    }

    private static HttpResponse<String> get(ServiceProcess p, String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(p.url(path))).header("Authorization", "Bearer " + key).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<Integer, String> recordedSha(String id) {
        Map<Integer, String> m = new TreeMap<>();
        try (var c = TestInfra.connect()) {
            var rs = c.createStatement().executeQuery("select part, sha256 from export_file where export_id = '" + id
                    + "' order by part");
            while (rs.next()) {
                m.put(rs.getInt(1), rs.getString(2));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void killMinus9MidExportKeepsTheFinishedPartsAndTheTakeOverContinuesAfterThem() throws Exception {
        // a: worker and API, killed mid-export; api: API only (reads while nobody works); b: takes over.
        // The workers' lease outlasts a starved heartbeat or two on a busy machine (with 3 s, another replica once
        // rescued b's attempt mid-run, and it ran a third); the takeover does not wait for a's to run out (below).
        Map<String, String> worker = Map.of("outport.worker.lease", "15s", "outport.worker.poll-interval", "500ms");
        ServiceProcess a = replica("resume-a", worker);
        ServiceProcess api = replica("resume-api", Map.of("outport.worker.enabled", "false"));
        String key = a.newKey("acct-resume");
        String tenantId = Exports.stringOf("select tenant_id from api_key where key_hash = sha256(convert_to('" + key
                + "', 'UTF8'))");
        Exports.seed(tenantId, 150_000, 1000);
        String id = a.createExport(key, Map.of("dataset", "events", "compression", "none", "fields",
                List.of("id", "occurred_at", "properties"), "max_file_bytes", 5 * 1024 * 1024));
        await("three parts finished", Duration.ofSeconds(120),
                () -> Exports.count("select count(*) from export_file where export_id = '" + id + "'") >= 3);
        a.kill();
        assertEquals("processing", Exports.stringOf("select status from export where id = '" + id + "'"), "killed mid-export");
        // The dead worker's lease holds while the test reads (a slow machine may take longer than any lease to read
        // the parts, and the api replica's rescuer would requeue the export meanwhile); it ends before b starts.
        String holdLease = "update export set lease_expires_at = now() + interval '%s' where id = '" + id
                + "' and status = 'processing' and lease_owner is not null";
        Exports.sql(String.format(holdLease, "10 minutes"));
        Map<Integer, String> before = recordedSha(id);

        // While nobody works on it: the finished parts are listed with URLs and download as recorded.
        JsonNode waiting = JSON.readTree(get(api, "/v1/exports/" + id, key).body());
        assertEquals("processing", waiting.get("status").asText());
        assertEquals(before.size(), waiting.get("files").size());
        for (JsonNode f : waiting.get("files")) {
            assertEquals(before.get(f.get("part").asInt()), sha256(Exports.fetch(f.get("url").asText())));
        }
        assertEquals(307, get(api, "/v1/exports/" + id + "/download?part=1", key).statusCode());
        assertEquals(409, get(api, "/v1/exports/" + id + "/download?part=" + (before.size() + 1), key).statusCode());
        assertEquals(404, get(api, "/v1/exports/" + id + "/download?part=150001", key).statusCode());

        // Rows committed after the export began, between the crash and the takeover, across the whole range.
        Exports.sql("insert into event (tenant_id, type, occurred_at, properties) select '" + tenantId
                + "', 'late', timestamptz '2026-01-01' + g * interval '1 hour', '{}' from generate_series(0, 300) g");
        Exports.sql(String.format(holdLease, "0 seconds"));
        ServiceProcess b = replica("resume-b", worker);
        JsonNode done = JSON.readTree(b.awaitEnd(key, id, Duration.ofSeconds(180)).prettify());
        assertEquals("completed", done.get("status").asText());
        Map<Integer, String> after = recordedSha(id);

        List<Long> ids = new ArrayList<>();
        List<String> times = new ArrayList<>();
        for (JsonNode f : done.get("files")) {
            byte[] bytes = Exports.fetch(f.get("url").asText());
            assertEquals(f.get("sha256").asText(), sha256(bytes));
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                JsonNode row = JSON.readTree(line);
                ids.add(row.get("id").asLong());
                times.add(row.get("occurred_at").asText());
            }
        }
        boolean ordered = true;
        for (int i = 1; i < ids.size(); i++) {
            int c = times.get(i - 1).compareTo(times.get(i));
            ordered &= c < 0 || (c == 0 && ids.get(i - 1) < ids.get(i));
        }
        Set<Long> late = new HashSet<>();
        try (var c = TestInfra.connect()) {
            var rs = c.createStatement().executeQuery("select id from event where type = 'late' and tenant_id = '" + tenantId + "'");
            while (rs.next()) {
                late.add(rs.getLong(1));
            }
        }
        long lateIn = ids.stream().filter(late::contains).count();
        System.out.println("[resume] parts kept at the kill: " + before.size() + ", parts in the end: " + after.size());
        before.forEach((part, sha) -> System.out.println("[resume] part " + part + " sha256 before " + sha
                + " after " + after.get(part)));
        System.out.println("[resume] attempts " + done.get("attempts").asInt() + ", row_count " + done.get("row_count").asLong()
                + ", rows read " + ids.size() + ", distinct " + new HashSet<>(ids).size() + ", in order " + ordered
                + ", late rows committed after the start: " + late.size() + " stored, " + lateIn + " exported");

        before.forEach((part, sha) -> assertEquals(sha, after.get(part), "part " + part + " kept unchanged"));
        assertEquals(2, done.get("attempts").asInt());
        assertEquals(150_000, done.get("row_count").asLong());
        assertEquals(150_000, ids.size());
        assertEquals(150_000, new HashSet<>(ids).size(), "every row exactly once");
        assertTrue(ordered, "rows in (occurred_at, id) order across the parts of both attempts");
        assertEquals(301, late.size());
        assertEquals(0, lateIn, "rows committed after the export began are not in it");
        assertTrue(b.output().contains("resuming after part"), b.output());
        assertEquals(0, Exports.count("select count(*) from export_object where export_id = '" + id + "'"),
                "the killed attempt's unfinished part is gone");
        assertEquals(0, TestInfra.blobStore.listMultipartUploads(TestInfra.BUCKET).stream()
                .filter(u -> u.blobName().startsWith("exports/" + tenantId + "/")).count(), "no multipart upload left");
    }
}
