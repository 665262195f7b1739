package io.outport.ops;

import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.outport.support.TestInfra;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * README's walk-through, as a user pastes it: its shell blocks, taken from README.md itself, run with bash
 * against the packaged service (only the host, port and admin token are swapped for this test's). If the
 * README and the service drift apart, this fails.
 */
class ReadmeWalkthroughIT extends RealProcesses {

    /** The ```bash blocks of a README section, in order. */
    static List<String> bashBlocks(String readme, String fromHeading, String toHeading) {
        int start = readme.indexOf(fromHeading);
        int end = readme.indexOf(toHeading, start);
        assertTrue(start >= 0 && end > start, "README has the sections " + fromHeading + " and " + toHeading);
        List<String> blocks = new ArrayList<>();
        String section = readme.substring(start, end);
        int at = 0;
        while ((at = section.indexOf("```bash\n", at)) >= 0) {
            int close = section.indexOf("\n```", at + 8);
            blocks.add(section.substring(at + 8, close + 1));
            at = close + 4;
        }
        return blocks;
    }

    @Test
    void theWalkThroughRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> blocks = bashBlocks(readme, "## Walk-through", "### Run the packaged jar locally");
        // The walk-through itself, the pushed-status part and the incremental export; the signature check needs a
        // received webhook.
        List<String> runnable = blocks.stream().filter(b -> !b.contains("$WEBHOOK_SIGNATURE")).toList();
        assertEquals(3, runnable.size(), "three runnable blocks: " + blocks.size() + " in all");
        try (ServiceProcess p = ServiceProcess.start("readme", infra, Map.of("outport.webhooks.allow-private", "true"))) {
            String script = String.join("\n", runnable)
                    .replace("localhost:8080", "localhost:" + p.port)
                    .replace("dev-admin-token-change-me", TestInfra.ADMIN_TOKEN);
            Path file = Files.createTempFile("walkthrough", ".sh");
            Files.writeString(file, "set -euo pipefail\n" + script);
            Path output = Files.createTempFile("walkthrough", ".out");
            Process bash = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!bash.waitFor(180, TimeUnit.SECONDS)) {
                bash.descendants().forEach(ProcessHandle::destroyForcibly);
                bash.destroyForcibly();
                fail("the walk-through did not end; it printed:\n" + Files.readString(output));
            }
            String out = Files.readString(output);
            assertEquals(0, bash.exitValue(), out);
            assertTrue(out.contains("{\"accepted\":1}"), out);
            assertTrue(out.contains("id,type,occurred_at,user_id,properties,received_at"), "the CSV header: " + out);
            assertTrue(out.contains(",purchase,2026-01-15T10:30:00Z,u_42,\"{\"\"amount\"\": 12.5, \"\"currency\"\": \"\"EUR\"\"}\","),
                    "the CSV row: " + out);
            assertTrue(out.contains("\"status\": \"completed\""), "jq's status: " + out);
            assertTrue(out.lines().anyMatch(l -> l.equals("completed")), "the long poll's status: " + out);
            assertTrue(out.contains("event:status") && out.contains("\"status\":\"completed\""), "the event stream: " + out);
            assertTrue(out.contains("\"event_type\": \"export.completed\""), "the webhook's delivery log: " + out);
            assertTrue(out.contains("{\"status\":\"completed\",\"incremental_rows\":1}"), "the incremental export: " + out);
        }
    }

    @Test
    void theSignInWalkThroughRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> blocks = bashBlocks(readme, "## Put Outport behind your product's sign-in", "## Exporting your own tables");
        assertEquals(2, blocks.size(), "the key block and the token block");
        Path dir = Files.createTempDirectory("signin-walkthrough");
        String keys = run(dir, blocks.get(0));
        assertTrue(Files.readString(dir.resolve("jwks.json")).contains("\"kid\":\"k1\""), keys);
        // The service started as the README's sh block says, with the JWKS file the first block wrote.
        Map<String, String> env = Map.of("OUTPORT_AUTH_JWT_JWKS_URL", "file:" + dir.resolve("jwks.json"),
                "OUTPORT_AUTH_JWT_ISSUER", "https://app.example.com");
        assertTrue(readme.contains("OUTPORT_AUTH_JWT_JWKS_URL=file:$PWD/jwks.json OUTPORT_AUTH_JWT_ISSUER=https://app.example.com"));
        try (ServiceProcess p = ServiceProcess.start("readme-signin", infra, env)) {
            String out = run(dir, blocks.get(1).replace("localhost:8080", "localhost:" + p.port)
                    .replace("dev-admin-token-change-me", TestInfra.ADMIN_TOKEN));
            List<String> lines = out.lines().toList();
            assertEquals("queued", lines.get(0), out);
            assertEquals("insufficient_scope", lines.get(1), out);
            assertTrue(lines.get(2).matches("http://localhost:" + p.port + "/console#code=opc_[A-Za-z0-9_-]{43}"), out);
            assertFalse(p.output().contains(lines.get(2).substring(lines.get(2).indexOf("opc_"))), "the code is in no log line");
        }
    }

    @Test
    void theDestinationWalkThroughRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> blocks = bashBlocks(readme, "## Deliver into your customers' buckets", "## Configuration");
        assertEquals(1, blocks.size(), "one runnable block (the policies are JSON)");
        try (ServiceProcess p = ServiceProcess.start("readme-destinations", infra, Map.of("outport.webhooks.allow-private", "true"))) {
            // Run from the project's folder, as a reader would; the customer's S3Proxy is stopped whatever happens.
            String out = run(Path.of("").toAbsolutePath(), "trap 'kill ${S3_PID:-} 2>/dev/null || true' EXIT\n"
                    + blocks.get(0).replace("localhost:8080", "localhost:" + p.port)
                    .replace("dev-admin-token-change-me", TestInfra.ADMIN_TOKEN));
            List<String> lines = out.lines().toList();
            assertEquals("{\"accepted\":1}", lines.get(0), out);
            assertEquals("destination_check_failed", lines.get(1), out);
            assertEquals("completed", lines.get(2), out);
            assertTrue(lines.get(3).matches("s3://customer-exports/outport/[0-9a-f-]{36}/part-00001\\.ndjson\\.gz"), out);
            assertTrue(lines.get(4).startsWith("{\"id\":") && lines.get(4).contains("\"type\":\"purchase\"")
                    && lines.get(4).contains("\"user_id\":\"u_7\""), out);
            assertFalse(p.output().contains("customer-secret"), "the secret is in no log line");
        }
    }

    /** Runs a README block with bash in {@code dir}; returns what it printed (the test fails if it fails). */
    private static String run(Path dir, String block) throws Exception {
        Path file = Files.createTempFile("walkthrough", ".sh");
        Files.writeString(file, "set -euo pipefail\n" + block);
        Path output = Files.createTempFile("walkthrough", ".out");
        Process bash = new ProcessBuilder("bash", file.toString()).directory(dir.toFile()).redirectErrorStream(false)
                .redirectOutput(output.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!bash.waitFor(120, TimeUnit.SECONDS)) {
            bash.destroyForcibly();
            fail("the block did not end; it printed:\n" + Files.readString(output));
        }
        String out = Files.readString(output);
        assertEquals(0, bash.exitValue(), out);
        return out;
    }
}
