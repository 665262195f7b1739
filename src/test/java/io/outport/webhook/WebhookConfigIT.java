package io.outport.webhook;

import io.outport.support.RealProcesses;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A bad OUTPORT_WEBHOOKS_* value stops start-up with a message that names it (the packaged jar). */
class WebhookConfigIT extends RealProcesses {

    private static String failedStart(String name, String value) throws Exception {
        return io.outport.support.ServiceProcess.failedStart(infra, Map.of(name, value));
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
