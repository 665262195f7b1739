package io.outport.fleet;

import io.outport.support.Exports;
import io.outport.support.PreviousRelease;
import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.outport.support.TestInfra;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A fleet on one database, as packaged jars: replicas with different declarations of a dataset (a rolling deploy,
 * a ConfigMap that reached some pods first), the worker registry, the unserved timeout, and the last release
 * running beside this build.
 */
class FleetIT extends RealProcesses {

    /** The infrastructure with a short lease, so that a killed process drops out of the registry quickly. */
    private static Map<String, String> fleet(String unservedTimeout) {
        Map<String, String> m = new HashMap<>(infra);
        m.put("outport.worker.lease", "3s");
        m.put("outport.exports.unserved-timeout", unservedTimeout);
        return m;
    }

    private static Map<String, String> without(Map<String, String> settings, String... prefixes) {
        return settings.entrySet().stream().filter(e -> List.of(prefixes).stream().noneMatch(e.getKey()::startsWith))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static Map<String, Object> byHost(List<Map<String, Object>> workers, String host) {
        return workers.stream().filter(w -> host.equals(w.get("host"))).findFirst()
                .orElseThrow(() -> new AssertionError("no worker " + host + " in " + workers));
    }

    @SuppressWarnings("unchecked")
    private static String fingerprint(Map<String, Object> worker, String dataset) {
        return ((List<Map<String, Object>>) worker.get("datasets")).stream().filter(d -> dataset.equals(d.get("name")))
                .map(d -> (String) d.get("fingerprint")).findFirst().orElse(null);
    }

    private static double metric(ServiceProcess p, String line) {
        String text = io.restassured.RestAssured.get(p.url("/q/metrics")).asString();
        return text.lines().filter(l -> l.startsWith(line + " ")).mapToDouble(l -> Double.parseDouble(l.substring(line.length() + 1)))
                .findFirst().orElse(Double.NaN);
    }

    @Test
    void aWorkerClaimsOnlyTheDeclarationItServesAndTheExportWaitsVisiblyUntilOneDoes() throws Exception {
        TestInfra.sourceSql("insert into shop.orders (account_id, created_at, status, total) select 'acct_fleet',"
                + " timestamptz '2026-03-01' + g * interval '1 hour', 'paid', g from generate_series(1, 40) g");
        Map<String, String> common = fleet("10m");
        Map<String, String> apiOnly = Map.of("OUTPORT_WORKER_ENABLED", "false");
        Map<String, String> workerOnly = Map.of("OUTPORT_API_ENABLED", "false");
        Map<String, String> older = new HashMap<>(workerOnly);
        // Property names: they replace the infrastructure's own keys for these two.
        older.put("outport.datasets.orders.columns", "id,created_at,status,total,updated_at");
        older.put("outport.datasets.orders.filterable", "status");
        try (ServiceProcess api = ServiceProcess.start("fleet-api", common, apiOnly);
             ServiceProcess bare = ServiceProcess.start("fleet-bare", without(common, "outport.datasets.orders."), workerOnly);
             ServiceProcess old = ServiceProcess.start("fleet-older", common, older)) {
            String key = api.newKey("acct_fleet");

            // The registry: three live processes, with their roles and what they serve.
            var workers = api.workers();
            assertEquals(3, workers.size(), workers.toString());
            assertEquals(List.of("api"), byHost(workers, "fleet-api").get("roles"));
            assertEquals(List.of("worker"), byHost(workers, "fleet-bare").get("roles"));
            String declared = fingerprint(byHost(workers, "fleet-api"), "orders");
            assertNotNull(declared);
            assertNull(fingerprint(byHost(workers, "fleet-bare"), "orders"));
            String olderPrint = fingerprint(byHost(workers, "fleet-older"), "orders");
            assertNotNull(olderPrint);
            assertNotEquals(declared, olderPrint, "fewer columns, another declaration");
            assertEquals(fingerprint(byHost(workers, "fleet-api"), "events"), fingerprint(byHost(workers, "fleet-bare"), "events"));
            assertTrue(byHost(workers, "fleet-bare").get("version").toString().startsWith("0.2.0"), workers.toString());

            // What everybody serves runs at once.
            String events = api.createExport(key, Map.of("dataset", "events"));
            assertEquals("completed", api.awaitEnd(key, events, Duration.ofSeconds(60)).getString("status"));

            // Orders: nobody serves the declaration the API validated it against. It waits, visibly, and nobody fails it.
            String orders = api.createExport(key, Map.of("dataset", "orders"));
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int looks = 0;
            while (System.nanoTime() < until) {
                JsonPath e = api.as(key).get("/v1/exports/" + orders).then().statusCode(200).extract().jsonPath();
                assertEquals("queued", e.getString("status"), e.prettify());
                assertEquals(0, e.getInt("attempts"));
                assertTrue(e.getString("message").contains("serves the dataset 'orders'"), e.getString("message"));
                looks++;
                Exports.pause(500);
            }
            await("outport_exports_unserved counts it", Duration.ofSeconds(20),
                    () -> metric(api, "outport_exports_unserved") == 1.0);
            assertEquals(2.0, metric(api, "outport_workers{role=\"worker\"}"));
            assertEquals(1.0, metric(api, "outport_workers{role=\"api\"}"));

            // A worker with the API's declaration arrives and completes it, in one attempt.
            try (ServiceProcess match = ServiceProcess.start("fleet-match", common, workerOnly)) {
                JsonPath done = api.awaitEnd(key, orders, Duration.ofSeconds(60));
                assertEquals("completed", done.getString("status"), done.prettify());
                assertEquals(40, done.getInt("row_count"));
                assertEquals(1, done.getInt("attempts"));
                String firstLine = Exports.gunzip(Exports.fetch(done.getString("files[0].url"))).lines().findFirst().orElseThrow();
                assertTrue(firstLine.contains("\"customer\""), "the API's declaration (every column): " + firstLine);
                assertTrue(match.output().contains(orders), "the matching worker ran it");
                assertFalse(bare.output().contains(orders), "the worker without the dataset never touched it");
                assertFalse(old.output().contains(orders), "the worker with the older declaration never touched it");
                assertEquals(declared, fingerprint(byHost(api.workers(), "fleet-match"), "orders"));

                // A killed worker drops out of the registry after its lease.
                bare.kill();
                long t0 = System.nanoTime();
                await("the killed worker drops out of the registry", Duration.ofSeconds(20),
                        () -> api.workers().stream().noneMatch(w -> "fleet-bare".equals(w.get("host"))));
                System.out.printf("[fleet] export of 'orders' waited %d looks (queued, message named the dataset), completed by"
                                + " fleet-match in 1 attempt; fleet-bare (no orders) and fleet-older (fingerprint %s, API's %s) never"
                                + " claimed it; killed fleet-bare left the registry after %d ms (lease 3 s)%n",
                        looks, olderPrint, declared, Duration.ofNanos(System.nanoTime() - t0).toMillis());
            }
        }
    }

    @Test
    void anExportNoLiveWorkerServesFailsWithDatasetUnavailableAfterTheTimeoutAndBadTimeoutsStopStartUp() throws Exception {
        try (ServiceProcess api = ServiceProcess.start("unserved-api", fleet("2s"), Map.of("OUTPORT_WORKER_ENABLED", "false"))) {
            String key = api.newKey("acct_unserved");
            String id = api.createExport(key, Map.of("dataset", "orders"));
            JsonPath e = api.awaitEnd(key, id, Duration.ofSeconds(30));
            assertEquals("failed", e.getString("status"), e.prettify());
            assertEquals("dataset_unavailable", e.getString("error.code"));
            assertTrue(e.getString("error.message").contains("'orders'"), e.getString("error.message"));
            assertTrue(e.getString("error.message").contains("2s"), e.getString("error.message"));
            assertEquals(0, e.getInt("attempts"));
            System.out.println("[fleet] unserved for 2s: " + e.getString("error.code") + " — " + e.getString("error.message"));
        }
        List<String> bads = List.of("0s", "500ms", "soon", "-1m");
        List<String> outputs = ServiceProcess.failedStarts(infra,
                bads.stream().map(b -> Map.of("OUTPORT_EXPORTS_UNSERVED_TIMEOUT", b)).toList());
        for (int i = 0; i < bads.size(); i++) {
            String output = outputs.get(i);
            assertTrue(output.contains("OUTPORT_EXPORTS_UNSERVED_TIMEOUT") || output.contains("outport.exports.unserved-timeout"),
                    bads.get(i) + ": " + output);
        }
    }

    @Test
    void theLastReleaseAndThisBuildShareADatabaseAndRunEachOthersExports() throws Exception {
        PreviousRelease.Release release = PreviousRelease.named();
        Path previous = PreviousRelease.app();
        // A database of its own, left to the last release to create (its migrations only), as before an upgrade.
        String db = TestInfra.database + "_mixed";
        Exports.sql("create database " + db);
        Map<String, String> mixed = new HashMap<>(without(infra, "outport.datasets.", "quarkus.datasource.source."));
        mixed.replaceAll((k, v) -> k.startsWith("quarkus.datasource.") && k.endsWith(".url") ? v.replace(TestInfra.database, db) : v);
        mixed.put("outport.worker.lease", "3s");
        Map<String, String> apiOnly = Map.of("OUTPORT_WORKER_ENABLED", "false");
        Map<String, String> workerOnly = Map.of("OUTPORT_API_ENABLED", "false");
        // 0.1.0's Flyway refuses a schema with a migration it does not know (a later release's) unless told to
        // ignore future ones: the one setting 0.1.0 needs beside a later release (CHANGELOG.md). Later releases
        // ignore future migrations by default.
        Map<String, String> old = Map.of("QUARKUS_FLYWAY_IGNORE_MIGRATION_PATTERNS", "*:future");
        Map<String, String> oldApiOnly = new HashMap<>(old);
        oldApiOnly.putAll(apiOnly);
        List<String> report = new ArrayList<>();
        try (ServiceProcess oldA = ServiceProcess.start(previous, "release-" + release.version() + "-a", mixed, old)) {
            String key = oldA.newKey("acct_mixed");
            oldA.as(key).contentType("application/json").body(Map.of("events", java.util.stream.IntStream.range(0, 50)
                    .mapToObj(i -> Map.of("type", "t" + (i % 3), "occurred_at", "2026-01-01T00:00:" + String.format("%02d", i) + "Z"))
                    .toList())).post("/v1/events").then().statusCode(202);
            String e1 = oldA.createExport(key, Map.of("dataset", "events"));
            assertCompleted(oldA, key, e1, report, release.version() + " alone");
            // This build migrates the schema while the last release runs on it.
            try (ServiceProcess newApi = ServiceProcess.start("current-api", mixed, apiOnly)) {
                String e2 = newApi.createExport(key, Map.of("dataset", "events", "format", "csv"));
                assertCompleted(oldA, key, e2, report, "created on this build's API, run by " + release.version());
                assertTrue(oldA.output().contains(e2));
                assertNotNull(Exports.stringOfIn(db, "select fingerprint from export where id = '" + e2 + "'"));
            }
            oldA.terminate(Duration.ofSeconds(30));
            try (ServiceProcess oldApi = ServiceProcess.start(previous, "release-" + release.version() + "-api", mixed, oldApiOnly);
                 ServiceProcess newWorker = ServiceProcess.start("current-worker", mixed, workerOnly)) {
                String e3 = oldApi.createExport(key, Map.of("dataset", "events"));
                assertCompleted(oldApi, key, e3, report, "created on " + release.version() + "'s API, run by this build");
                assertTrue(newWorker.output().contains(e3));
                assertNull(Exports.stringOfIn(db, "select fingerprint from export where id = '" + e3 + "'"));
            }
            try (ServiceProcess oldB = ServiceProcess.start(previous, "release-" + release.version() + "-b", mixed, old);
                 ServiceProcess newB = ServiceProcess.start("current-b", mixed, Map.of())) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    ids.add((i % 2 == 0 ? oldB : newB).createExport(key, Map.of("dataset", "events", "filters", Map.of("type", "t" + (i % 3)))));
                }
                for (int i = 0; i < ids.size(); i++) {
                    // Each read through the replica of the other release.
                    ServiceProcess reader = i % 2 == 0 ? newB : oldB;
                    JsonPath e = reader.awaitEnd(key, ids.get(i), Duration.ofSeconds(60));
                    assertEquals("completed", e.getString("status"), e.prettify());
                    int type = i % 3;
                    long expected = java.util.stream.IntStream.range(0, 50).filter(n -> n % 3 == type).count();
                    assertEquals(expected, Exports.gunzip(Exports.fetch(e.getString("files[0].url"))).lines().count());
                }
                long byOld = ids.stream().filter(id -> output(oldB).contains(id + ": attempt 1 started")).count();
                long byNew = ids.stream().filter(id -> output(newB).contains(id + ": attempt 1 started")).count();
                report.add("side by side: 6 exports created alternately on " + release.version() + " and this build, each read"
                        + " through the other: all completed (" + byOld + " run by " + release.version() + ", " + byNew + " by this build)");
                assertEquals(6, byOld + byNew);
            }
        } finally {
            Exports.sql("drop database if exists " + db + " with (force)");
        }
        report.forEach(line -> System.out.println("[mixed] " + line));
    }

    private static String output(ServiceProcess p) {
        try {
            return p.output();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertCompleted(ServiceProcess p, String key, String id, List<String> report, String what) {
        JsonPath e = p.awaitEnd(key, id, Duration.ofSeconds(60));
        assertEquals("completed", e.getString("status"), what + ": " + e.prettify());
        report.add(what + ": " + id + " completed, " + e.getInt("row_count") + " rows");
        assertTrue(Objects.requireNonNull(e.getString("files[0].url")).startsWith("http"));
    }
}
