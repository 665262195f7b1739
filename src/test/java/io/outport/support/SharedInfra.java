package io.outport.support;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers {@link TestInfra} once for the whole run: every @QuarkusTest shares one application. */
@QuarkusTestResource(TestInfra.class)
public final class SharedInfra {
    private SharedInfra() {
    }
}
