package io.outport.webhook;

import io.outport.support.RealProcesses;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A bad OUTPORT_WEBHOOKS_* value stops start-up with a message that names it (the packaged jar). */
class WebhookConfigIT extends RealProcesses {

    private static String failedStart(String name, String value) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", "target/quarkus-app/quarkus-run.jar"));
        infra.forEach((k, v) -> pb.environment().put(k.toUpperCase().replace('.', '_').replace('-', '_'), v));
        pb.environment().put("QUARKUS_HTTP_PORT", "0");
        pb.environment().put(name, value);
        File log = Files.createTempFile("outport-webhook-config", ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        Process process = pb.start();
        try {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "start-up did not stop: " + Files.readString(log.toPath()));
            assertNotEquals(0, process.exitValue());
        } finally {
            process.destroyForcibly();
        }
        return Files.readString(log.toPath());
    }

    @Test
    void badWebhookSettingsStopStartUpNamingTheKey() throws Exception {
        for (Map.Entry<String, String> bad : List.of(Map.entry("OUTPORT_WEBHOOKS_CONCURRENCY", "0"),
                Map.entry("OUTPORT_WEBHOOKS_CONCURRENCY", "lots"), Map.entry("OUTPORT_WEBHOOKS_ALLOW_PRIVATE", "perhaps"),
                Map.entry("OUTPORT_WEBHOOKS_DELIVER", "sometimes"))) {
            String output = failedStart(bad.getKey(), bad.getValue());
            String property = bad.getKey().toLowerCase().replace("outport_webhooks_", "outport.webhooks.").replace('_', '-');
            assertTrue(output.contains(bad.getKey()) || output.contains(property), bad + " is not named: " + output);
        }
    }
}
