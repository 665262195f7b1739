package io.outport.support;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Base of the tests that run the packaged service as real processes (failsafe, *IT): a fresh database
 * (migrated) and an S3Proxy for the class, and a way to wait for a condition with a deadline.
 */
public abstract class RealProcesses {

    private static final TestInfra INFRA = new TestInfra();
    /** Settings that point a process at this class's database and S3Proxy (property names). */
    protected static Map<String, String> infra;

    @BeforeAll
    static void startInfra() {
        // Packaged replicas run the production profile: host JWTs (a plain-http JWKS on loopback) only where a
        // test turns them on itself.
        infra = new java.util.HashMap<>(INFRA.start());
        infra.keySet().removeIf(k -> k.startsWith("outport.auth."));
        Flyway.configure().dataSource(infra.get("quarkus.datasource.jdbc.url"), TestInfra.PG_USER, "")
                .locations("filesystem:src/main/resources/db/migration").load().migrate();
    }

    @AfterAll
    static void stopInfra() {
        INFRA.stop();
    }

    /** Waits until {@code condition} holds; fails with {@code what} after {@code atMost}. */
    public static void await(String what, Duration atMost, BooleanSupplier condition) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " (after " + atMost + ")");
            }
            Exports.pause(10);
        }
    }

    /** Waits until an attempt of the export has registered an object: it is reading and uploading. */
    public static void awaitUploading(String exportId) {
        await("export " + exportId + " never started uploading", Duration.ofSeconds(60),
                () -> Exports.count("select count(*) from export_object where export_id = '" + exportId + "'") > 0);
    }
}
