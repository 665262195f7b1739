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
}
