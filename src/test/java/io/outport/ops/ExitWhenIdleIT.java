package io.outport.ops;

import io.outport.support.Exports;
import io.outport.support.RealProcesses;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The packaged service as a Job (OUTPORT_WORKER_EXIT_WHEN_IDLE): started on a queue of three exports,
 * it processes them and exits 0 by itself. Runs the real jar against a fresh database and S3Proxy.
 */
class ExitWhenIdleIT extends RealProcesses {

    @Test
    void drainsTheQueueAndExitsZero() throws Exception {
        String tenant = UUID.randomUUID().toString();
        Exports.sql("insert into tenant (id, name) values ('" + tenant + "', 'job')");
        Exports.seed(tenant, 2000, 50);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = Exports.parkedExport(tenant);
            ids.add(id);
        }
        Exports.sql("update export set run_at = now() where tenant_id = '" + tenant + "'");

        List<String> command = io.outport.support.ServiceProcess.thisBuild();
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        infra.forEach((k, v) -> env.put(io.outport.support.ServiceProcess.envName(k), v));
        env.put("QUARKUS_HTTP_PORT", "0");
        env.put("OUTPORT_API_ENABLED", "false");
        env.put("OUTPORT_WORKER_EXIT_WHEN_IDLE", "true");
        File log = Files.createTempFile("outport-job", ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        Process process = pb.start();
        try {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the worker did not exit: " + Files.readString(log.toPath()));
            assertEquals(0, process.exitValue(), Files.readString(log.toPath()));
        } finally {
            process.destroyForcibly();
        }
        for (String id : ids) {
            assertEquals("completed", Exports.stringOf("select status from export where id = '" + id + "'"));
            assertEquals(2000, Exports.count("select row_count from export where id = '" + id + "'"));
        }
        String output = Files.readString(log.toPath());
        assertTrue(output.contains("OUTPORT_WORKER_EXIT_WHEN_IDLE"), output);
        // Production logs are JSON, one object per line, with the export id in the MDC.
        assertTrue(output.lines().filter(l -> l.contains("attempt 1 ended completed"))
                .allMatch(l -> l.startsWith("{") && l.contains("\"export_id\"")), output);
    }
}
