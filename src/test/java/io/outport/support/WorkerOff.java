package io.outport.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** A profile without the worker role, for tests that drive the queue and the runner themselves. */
public class WorkerOff implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("outport.worker.enabled", "false");
    }
}
