package io.outport.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * A profile without the worker role, for tests that drive the queue and the runner themselves, and with the
 * production rules for outbound addresses, for the SSRF tests: webhooks to non-public addresses refused, and host
 * JWTs off (the tests' identity provider is on loopback). One profile for both kinds, so the test JVM builds and
 * starts the application once for them (each profile costs a build of its own, ~20 s on 2 cores): the queue and
 * runner tests call no outbound address, and the SSRF tests need no worker (their deliveries follow a cancel).
 */
public class StrictNoWorker implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("outport.worker.enabled", "false",
                "outport.webhooks.allow-private", "false", "outport.auth.jwt.jwks-url", "");
    }
}
