package io.outport.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import java.net.ServerSocket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real parts every test talks to: a fresh PostgreSQL database on 127.0.0.1:5432 (dropped at the
 * end) and an S3Proxy with SigV4 authentication on a random port. Started once per test run and shared
 * by every @QuarkusTest class.
 */
public class TestInfra implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    public static final String S3_ACCESS_KEY = "outport-test";
    public static final String S3_SECRET_KEY = "outport-test-secret";
    public static final String BUCKET = "outport-test-exports";
    /** OUTPORT_SECRETS_KEY of the tests (base64 of 32 bytes); never a production key. */
    public static final String SECRETS_KEY = "dGVzdC1vbmx5LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=";
    public static final String PG_HOST = System.getenv().getOrDefault("OUTPORT_TEST_PGHOST", "127.0.0.1");
    /** The machine's PostgreSQL. */
    public static final String PG_PORT = System.getenv().getOrDefault("OUTPORT_TEST_PGPORT", "5432");
    /** The PostgreSQL this JVM's tests use now: the machine's, or a test class's own cluster ({@link #usePgPort}). */
    private static volatile String pgPort = PG_PORT;
    public static final String PG_USER = System.getenv().getOrDefault("OUTPORT_TEST_PGUSER", "postgres");

    /** The role the source datasource connects as: it may only SELECT (see source/schema.sql). */
    public static final String SOURCE_ROLE = "outport_reader";

    public static String database;
    /** The product database declared datasets are read from (the "source" datasource). */
    public static String sourceDatabase;
    public static String s3Endpoint;
    public static BlobStore blobStore;
    private static S3Proxy s3Proxy;

    @Override
    public Map<String, String> start() {
        ContractCheck.install();
        database = "outport_test_" + Long.toString(System.currentTimeMillis(), 36)
                + "_" + ThreadLocalRandom.current().nextInt(1000, 9999);
        admin("create database " + database);
        sourceDatabase = database + "_src";
        admin("create database " + sourceDatabase);
        sourceSql(resource("/source/schema.sql"));
        quietS3Proxy();
        try {
            Properties props = new Properties();
            props.setProperty("jclouds.filesystem.basedir", "target/s3proxy");
            blobStore = ContextBuilder.newBuilder("transient").overrides(props)
                    .credentials("identity", "credential").build(BlobStoreContext.class).getBlobStore();
            int port = freePort();
            s3Proxy = S3Proxy.builder().blobStore(blobStore)
                    .endpoint(URI.create("http://127.0.0.1:" + port))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, S3_ACCESS_KEY, S3_SECRET_KEY)
                    .build();
            s3Proxy.start();
            while (!s3Proxy.getState().equals("STARTED")) {
                Thread.onSpinWait();
            }
            s3Endpoint = "http://127.0.0.1:" + port;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start S3Proxy", e);
        }
        String pg = PG_HOST + ":" + pgPort + "/" + database;
        return Map.ofEntries(
                Map.entry("quarkus.datasource.reactive.url", "postgresql://" + pg),
                Map.entry("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + pg),
                Map.entry("quarkus.datasource.username", PG_USER),
                Map.entry("quarkus.s3.endpoint-override", s3Endpoint),
                Map.entry("quarkus.s3.path-style-access", "true"),
                Map.entry("quarkus.s3.aws.region", "us-east-1"),
                Map.entry("quarkus.s3.aws.credentials.type", "static"),
                Map.entry("quarkus.s3.aws.credentials.static-provider.access-key-id", S3_ACCESS_KEY),
                Map.entry("quarkus.s3.aws.credentials.static-provider.secret-access-key", S3_SECRET_KEY),
                Map.entry("outport.s3.bucket", BUCKET),
                Map.entry("outport.admin.token", ADMIN_TOKEN),
                // Destinations: credentials sealed with the tests' key; role destinations assume through the stand-in.
                Map.entry("outport.secrets.key", SECRETS_KEY),
                Map.entry("outport.sts.endpoint", StsStandIn.start()),
                // Host-signed JWTs from the tests' identity provider; a short refetch interval so rotation tests are quick.
                Map.entry("outport.auth.jwt.jwks-url", IdentityProvider.start()),
                Map.entry("outport.auth.jwt.issuer", IdentityProvider.ISSUER),
                Map.entry("outport.auth.jwt.audience", IdentityProvider.AUDIENCE),
                Map.entry("outport.auth.jwt.tenant-claim", "org.id"),
                Map.entry("outport.auth.jwt.jwks-refetch", "2s"),
                Map.entry("quarkus.datasource.source.reactive.url", "postgresql://" + PG_HOST + ":" + pgPort + "/" + sourceDatabase),
                Map.entry("quarkus.datasource.source.username", SOURCE_ROLE),
                Map.entry("outport.datasets.orders.table", "shop.orders"),
                Map.entry("outport.datasets.orders.tenant-column", "account_id"),
                Map.entry("outport.datasets.orders.time-column", "created_at"),
                Map.entry("outport.datasets.orders.id-column", "id"),
                Map.entry("outport.datasets.orders.filterable", "status,customer,paid,total,quantity,ref"),
                Map.entry("outport.datasets.orders.incremental-column", "updated_at"),
                Map.entry("outport.datasets.unprotected.table", "shop.orders_unprotected"),
                Map.entry("outport.datasets.unprotected.tenant-column", "account_id"),
                Map.entry("outport.datasets.unprotected.time-column", "created_at"),
                Map.entry("outport.datasets.unprotected.id-column", "id"),
                Map.entry("outport.datasets.unprotected.columns", "id,created_at,customer"),
                Map.entry("outport.datasets.everytype.table", "shop.every_type"),
                Map.entry("outport.datasets.everytype.tenant-column", "account_id"),
                Map.entry("outport.datasets.everytype.time-column", "day"),
                Map.entry("outport.datasets.everytype.id-column", "id"),
                Map.entry("outport.datasets.everytype.filterable", "c_enum,c_int4,c_bool,c_uuid,c_numeric"));
    }

    /** The port of the PostgreSQL this JVM's tests use now. */
    public static String pgPort() {
        return pgPort;
    }

    /**
     * Points this JVM's tests at a PostgreSQL cluster of their own on {@code port} (a class that stops and starts
     * it: {@link OwnCluster}), or back at the machine's with null. Test classes of one JVM run one after the other.
     */
    public static void usePgPort(Integer port) {
        pgPort = port == null ? PG_PORT : Integer.toString(port);
    }

    /** Runs statements on the source database as the superuser (the tests' product writes its own rows). */
    public static void sourceSql(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + PG_HOST + ":" + pgPort + "/" + sourceDatabase,
                PG_USER, ""); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("on the source database: " + sql, e);
        }
    }

    private static String resource(String name) {
        try (var in = TestInfra.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    /** Keeps the logger of {@link #quietS3Proxy()} (a logger nobody references may be collected with its level). */
    private static final java.util.logging.Logger S3PROXY_LOG = java.util.logging.Logger.getLogger("org.gaul");

    /**
     * S3Proxy's log at INFO. In a JVM whose logging nobody configured (the failsafe JVM that runs the ITs and their
     * S3Proxy) the JBoss LogManager leaves it at DEBUG, and S3Proxy's Jetty then formats a debug message for every
     * buffer it reads, which no handler writes: most of S3Proxy's CPU, on the cores the tests share. In a
     * {@code @QuarkusTest} Quarkus sets it later (application.properties).
     */
    public static void quietS3Proxy() {
        S3PROXY_LOG.setLevel(java.util.logging.Level.INFO);
    }

    /** Stops S3 (an outage): the port refuses connections until {@link #startS3()}. */
    public static synchronized void stopS3() throws Exception {
        s3Proxy.stop();
    }

    /** Starts S3 again on the same port with the same objects. */
    public static synchronized void startS3() throws Exception {
        s3Proxy = S3Proxy.builder().blobStore(blobStore).endpoint(URI.create(s3Endpoint))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, S3_ACCESS_KEY, S3_SECRET_KEY).build();
        s3Proxy.start();
        while (!s3Proxy.getState().equals("STARTED")) {
            Thread.onSpinWait();
        }
    }

    @Override
    public void stop() {
        try {
            if (s3Proxy != null) {
                s3Proxy.stop();
            }
        } catch (Exception e) {
            // the JVM is ending; nothing else holds the port
        }
        admin("drop database if exists " + database + " with (force)");
        admin("drop database if exists " + sourceDatabase + " with (force)");
    }

    /** A JDBC connection to the test database, for assertions on stored state. */
    public static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + PG_HOST + ":" + pgPort + "/" + database, PG_USER, "");
    }

    private static void admin(String sql) {
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://" + PG_HOST + ":" + pgPort + "/postgres", PG_USER, "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL on " + PG_HOST + ":" + pgPort + " is needed: " + sql, e);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
