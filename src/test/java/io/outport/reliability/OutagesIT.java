package io.outport.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outport.support.Exports;
import io.outport.support.OwnCluster;
import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.outport.support.TestInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Dependency outages against a running replica: S3 stopped mid-export, PostgreSQL restarted while
 * idle and while an export runs. The service answers 503 (never 500), recovers by itself, and the
 * export completes after a retry. The class's database is on a PostgreSQL cluster of its own, which it stops and
 * starts while the other classes go on with the machine's.
 */
class OutagesIT extends RealProcesses {

    /** The cluster, started before the class's database is made on it (extensions run before {@code @BeforeAll}). */
    @RegisterExtension
    static final Cluster POSTGRES = new Cluster();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ServiceProcess> started = new ArrayList<>();

    @AfterEach
    void killAll() {
        started.forEach(ServiceProcess::close);
    }

    private ServiceProcess replica(String name) throws Exception {
        ServiceProcess p = ServiceProcess.start(name, infra, Map.of("outport.worker.lease", "3s",
                "outport.worker.poll-interval", "500ms", "outport.worker.max-attempts", "5"));
        started.add(p);
        return p;
    }

    private static HttpResponse<String> send(ServiceProcess p, String method, String path, String bearer, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(p.url(path))).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String[] tenant(ServiceProcess p) throws Exception {
        String id = JSON.readTree(send(p, "POST", "/admin/v1/tenants", TestInfra.ADMIN_TOKEN, "{\"name\":\"out\"}").body())
                .get("id").asText();
        String key = JSON.readTree(send(p, "POST", "/admin/v1/tenants/" + id + "/api-keys", TestInfra.ADMIN_TOKEN, null).body())
                .get("key").asText();
        return new String[]{id, key};
    }

    private static void awaitStatus(String id, Set<String> wanted, Duration atMost) {
        await("export " + id + " not " + wanted, atMost,
                () -> wanted.contains(Exports.stringOf("select status from export where id = '" + id + "'")));
    }

    @Test
    void s3OutageMidExportIsRetriedAndStatusStaysReadable() throws Exception {
        ServiceProcess a = replica("s3-out");
        String[] t = tenant(a);
        Exports.seed(t[0], 80_000, 1000);
        String id = JSON.readTree(send(a, "POST", "/v1/exports", t[1],
                "{\"dataset\":\"events\",\"compression\":\"none\",\"max_file_bytes\":5242880}").body()).get("id").asText();
        awaitUploading(id);
        TestInfra.stopS3();
        try {
            // Readiness reports the outage; the export's status stays readable.
            long until = System.nanoTime() + 15_000_000_000L;
            int ready;
            while ((ready = send(a, "GET", "/q/health/ready", null, null).statusCode()) == 200 && System.nanoTime() < until) {
                Exports.pause(200);
            }
            assertEquals(503, ready, "readiness is down while S3 is");
            HttpResponse<String> status = send(a, "GET", "/v1/exports/" + id, t[1], null);
            assertEquals(200, status.statusCode(), status.body());
            awaitStatus(id, Set.of("queued", "failed"), Duration.ofSeconds(30));
        } finally {
            TestInfra.startS3();
        }
        awaitStatus(id, Set.of("completed"), Duration.ofSeconds(120));
        JsonNode e = JSON.readTree(send(a, "GET", "/v1/exports/" + id, t[1], null).body());
        assertTrue(e.get("attempts").asInt() >= 2, "retried after the outage: " + e);
        assertEquals(80_000, e.get("row_count").asLong());
        assertEquals(200, send(a, "GET", "/q/health/ready", null, null).statusCode());
        long clean = System.nanoTime() + 30_000_000_000L;
        while (Exports.count("select count(*) from export_object") > 0 && System.nanoTime() < clean) {
            Exports.pause(200);
        }
        assertEquals(0, Exports.count("select count(*) from export_object"), "the failed attempt's objects were cleaned");
        assertEquals(0, TestInfra.blobStore.listMultipartUploads(TestInfra.BUCKET).size(), "no orphan upload");
    }

    @Test
    void postgresRestartGives503ThenRecoversAndTheExportCompletes() throws Exception {
        ServiceProcess a = replica("pg-out");
        String[] t = tenant(a);
        Exports.seed(t[0], 150_000, 1000);
        String id = JSON.readTree(send(a, "POST", "/v1/exports", t[1],
                "{\"dataset\":\"events\",\"compression\":\"none\",\"max_file_bytes\":5242880}").body()).get("id").asText();
        awaitUploading(id);
        List<Integer> during = new ArrayList<>();
        POSTGRES.cluster.stop();
        try {
            // Each API request rides out a blip first (the pool's reconnect attempts, ~1.5 s per query): a few
            // rounds, for at least 5 s, show the outage as it is answered.
            long until = System.nanoTime() + 5_000_000_000L;
            for (int i = 0; i < 3 || System.nanoTime() < until; i++) {
                during.add(send(a, "GET", "/v1/exports?limit=1", t[1], null).statusCode());
                during.add(send(a, "GET", "/q/health/ready", null, null).statusCode());
                Exports.pause(100);
            }
        } finally {
            POSTGRES.cluster.start();
        }
        assertFalse(during.contains(500), "no 500 during the outage: " + during);
        assertTrue(during.contains(503), "the outage is reported as 503: " + during);
        // Recovers by itself within seconds.
        long until = System.nanoTime() + 30_000_000_000L;
        int code;
        while ((code = send(a, "GET", "/v1/exports/" + id, t[1], null).statusCode()) != 200 && System.nanoTime() < until) {
            Exports.pause(200);
        }
        assertEquals(200, code);
        awaitStatus(id, Set.of("completed"), Duration.ofSeconds(180));
        assertEquals(150_000, Exports.count("select row_count from export where id = '" + id + "'"));
        assertEquals(0, TestInfra.blobStore.listMultipartUploads(TestInfra.BUCKET).size(), "no orphan upload");
    }

    /** The class's own PostgreSQL cluster: this JVM's tests use it while the class runs. */
    static final class Cluster implements BeforeAllCallback, AfterAllCallback {
        OwnCluster cluster;

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            cluster = OwnCluster.create();
            TestInfra.usePgPort(cluster.port);
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            TestInfra.usePgPort(null);
            if (cluster != null) {
                cluster.close();
            }
        }
    }
}
