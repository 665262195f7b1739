package io.outport.webhook;

import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A bad OUTPORT_WEBHOOKS_* value stops start-up with a message that names it (the packaged jar). */
class WebhookConfigIT extends RealProcesses {

    @Test
    void badWebhookSettingsStopStartUpNamingTheKey() throws Exception {
        List<Map<String, String>> bad = List.of(Map.of("OUTPORT_WEBHOOKS_CONCURRENCY", "0"),
                Map.of("OUTPORT_WEBHOOKS_CONCURRENCY", "lots"), Map.of("OUTPORT_WEBHOOKS_ALLOW_PRIVATE", "perhaps"),
                Map.of("OUTPORT_WEBHOOKS_DELIVER", "sometimes"));
        List<String> outputs = ServiceProcess.failedStarts(infra, bad);
        for (int i = 0; i < bad.size(); i++) {
            String key = bad.get(i).keySet().iterator().next();
            String property = key.toLowerCase().replace("outport_webhooks_", "outport.webhooks.").replace('_', '-');
            String output = outputs.get(i);
            assertTrue(output.contains(key) || output.contains(property), bad.get(i) + " is not named: " + output);
        }
    }
}
