package io.outport.export.worker;

import io.outport.export.ExportFile;
import io.outport.export.queue.Claimed;
import io.outport.export.queue.ExportQueue;
import io.outport.export.storage.ExportStorage;
import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.TestInfra;
import io.outport.support.StrictNoWorker;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.outport.support.Exports.body;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Processing guarantees, driven step by step with the worker role off: a worker that loses its lease
 * mid-export is fenced out and the export completes exactly once; an export reads one snapshot.
 */
@QuarkusTest
@TestProfile(StrictNoWorker.class)
class FencingAndSnapshotTest {

    @Inject
    ExportQueue queue;

    @Inject
    ExportRunner runner;

    @Inject
    ExportStorage storage;

    private Claimed claimOnly(String owner, String exportId) {
        List<Claimed> claimed = queue.claim(owner, 1).await().atMost(java.time.Duration.ofSeconds(10));
        assertEquals(1, claimed.size());
        assertEquals(exportId, claimed.get(0).export().id().toString());
        return claimed.get(0);
    }

    private static void awaitObjectOf(String exportId, int attempt) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Exports.count("select count(*) from export_object where export_id = '" + exportId + "' and attempt = "
                + attempt) == 0) {
            assertTrue(System.nanoTime() < deadline, "attempt " + attempt + " never started uploading");
            Exports.pause(5);
        }
    }

    private Set<String> objectsUnder(String prefix) {
        return TestInfra.blobStore.list(TestInfra.BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive())
                .stream().map(StorageMetadata::getName).collect(Collectors.toSet());
    }

    @Test
    void aWorkerThatLosesItsLeaseMidExportIsFencedOutAndTheExportCompletesOnce() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 60_000, 1000);
        String id = Exports.create(t.key(), body("dataset", "events", "compression", "none",
                "max_file_bytes", 5 * 1024 * 1024));
        Claimed a = claimOnly("worker-a", id);
        assertEquals(1, a.attempt());

        // Worker A runs; once it is writing, its lease expires (a long GC pause, a network split) ...
        CompletableFuture<ExportRunner.Outcome> runA = runner.run(a, new RunControl()).subscribeAsCompletionStage();
        awaitObjectOf(id, 1);
        // ... the rescuer puts the export back in the queue and worker B takes it over. A heartbeat of A's between
        // the expiry and the rescue renews the lease (A still holds it then): expire it again until the rescue wins.
        long rescueDeadline = System.nanoTime() + 30_000_000_000L;
        do {
            assertTrue(System.nanoTime() < rescueDeadline, "the rescuer requeued the export");
            Exports.sql("update export set lease_expires_at = now() - interval '1 second' where id = '" + id + "'");
            queue.rescue().await().indefinitely(); // (the background rescuer may have been first: same result)
        } while (!"queued".equals(Exports.stringOf("select status from export where id = '" + id + "'")));
        Exports.sql("update export set run_at = now() where id = '" + id + "'");
        Claimed b = claimOnly("worker-b", id);
        assertEquals(2, b.attempt());

        // A's next fenced write is refused: it stops and discards what it wrote.
        assertEquals(ExportRunner.Outcome.lease_lost, runA.get(120, TimeUnit.SECONDS));
        assertTrue(queue.heartbeat(a, 1, 1, null).await().indefinitely().isEmpty(), "A's heartbeat is fenced");
        assertFalse(queue.complete(a).await().indefinitely(), "A's completion is fenced");
        assertFalse(queue.recordPart(a, new ExportFile(9, "exports/x", 1, 1, "0".repeat(64), null, null, null), 1, 1)
                .await().indefinitely(), "A's parts are fenced");
        assertFalse(queue.fail(a, false, "x", "x").await().indefinitely(), "A's failure is fenced");
        assertFalse(queue.canceled(a).await().indefinitely());
        assertFalse(queue.release(a).await().indefinitely());

        assertEquals(ExportRunner.Outcome.completed, runner.run(b, new RunControl()).await().indefinitely());
        JsonPath done = Api.as(t.key()).get("/v1/exports/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals("completed", done.getString("status"));
        assertEquals(2, done.getInt("attempts"));
        assertEquals(60_000, done.getLong("row_count"));
        List<String> keys = Exports.keysOf(id);
        assertTrue(keys.size() >= 3);
        assertEquals(new HashSet<>(keys), objectsUnder("exports/" + t.tenantId() + "/"),
                "only B's files exist: A's objects were deleted");
        assertTrue(storage.openUploads("exports/" + t.tenantId()).await().indefinitely().isEmpty(), "no upload left");
        assertEquals(0, Exports.count("select count(*) from export_object where export_id = '" + id + "'"));
        long rows = 0;
        for (String url : done.<String>getList("files.url")) {
            rows += new String(Exports.fetch(url), StandardCharsets.UTF_8).lines().count();
        }
        assertEquals(60_000, rows, "every row exactly once");
    }

    @Test
    void rowsInsertedWhileAnExportRunsAreNotInIt() {
        Api.TenantKey t = Api.newTenantWithKey();
        Exports.seed(t.tenantId(), 40_000, 1000);
        String id = Exports.create(t.key(), body("dataset", "events", "compression", "none"));
        Claimed c = claimOnly("worker-s", id);
        CompletableFuture<ExportRunner.Outcome> run = runner.run(c, new RunControl()).subscribeAsCompletionStage();
        // The first piece is on its way to S3, so rows have been read: the snapshot is taken.
        awaitObjectOf(id, 1);
        Exports.sql("insert into event (tenant_id, type, occurred_at, properties) select '" + t.tenantId()
                + "', 'late', timestamptz '2026-01-01' + g * interval '1 minute', '{}' from generate_series(1, 500) g");
        assertEquals("processing", Exports.stringOf("select status from export where id = '" + id + "'"),
                "the rows were inserted while the export ran");
        assertEquals(ExportRunner.Outcome.completed, run.join());
        JsonPath done = Api.as(t.key()).get("/v1/exports/" + id).then().extract().jsonPath();
        assertEquals(40_000, done.getLong("row_count"));
        String text = new String(Exports.fetch(done.getString("download_url")), StandardCharsets.UTF_8);
        assertFalse(text.contains("\"type\":\"late\""), "no row inserted after the snapshot");
        assertEquals(40_000, text.lines().count());
    }
}
