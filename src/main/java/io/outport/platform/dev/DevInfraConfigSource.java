package io.outport.platform.dev;

import io.quarkus.runtime.LaunchMode;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Zero-setup dev mode ({@code ./mvnw quarkus:dev}) on a machine with the local PostgreSQL and no Docker:
 * creates the database {@code outport_dev} on 127.0.0.1:5432 and starts an embedded S3Proxy (a
 * {@code provided} dependency: present in dev mode and tests, never packaged). Only in dev mode, only
 * for keys nobody else set (its ordinal is the lowest), and not at all with OUTPORT_DEV_EMBEDDED=false,
 * which gives Quarkus Dev Services (containers) their turn.
 */
public class DevInfraConfigSource implements ConfigSource {

    private static final Set<String> KEYS = Set.of("quarkus.datasource.reactive.url", "quarkus.datasource.jdbc.url",
            "quarkus.s3.endpoint-override", "quarkus.s3.path-style-access", "quarkus.s3.aws.credentials.type",
            "quarkus.s3.aws.credentials.static-provider.access-key-id",
            "quarkus.s3.aws.credentials.static-provider.secret-access-key");

    @Override
    public Set<String> getPropertyNames() {
        return active() ? KEYS : Set.of();
    }

    @Override
    public String getValue(String name) {
        if (!KEYS.contains(name) || !active()) {
            return null;
        }
        if (name.startsWith("quarkus.datasource.")) {
            if (configured("QUARKUS_DATASOURCE_REACTIVE_URL", "quarkus.datasource.reactive.url")) {
                return null;
            }
            String db = DevInfra.database();
            return name.endsWith("jdbc.url") ? "jdbc:postgresql://" + db : "postgresql://" + db;
        }
        if (configured("QUARKUS_S3_ENDPOINT_OVERRIDE", "quarkus.s3.endpoint-override")) {
            return null;
        }
        return switch (name) {
            case "quarkus.s3.endpoint-override" -> DevInfra.s3Endpoint();
            case "quarkus.s3.path-style-access" -> "true";
            case "quarkus.s3.aws.credentials.type" -> "static";
            case "quarkus.s3.aws.credentials.static-provider.access-key-id" -> DevInfra.S3_KEY;
            default -> DevInfra.S3_SECRET;
        };
    }

    @Override
    public int getOrdinal() {
        return 10;
    }

    @Override
    public String getName() {
        return "outport-dev-infra";
    }

    private static boolean active() {
        return LaunchMode.current() == LaunchMode.DEVELOPMENT
                && !"false".equalsIgnoreCase(System.getenv("OUTPORT_DEV_EMBEDDED"))
                && DevInfra.available();
    }

    private static boolean configured(String env, String property) {
        return System.getenv(env) != null || System.getProperty(property) != null;
    }
}
