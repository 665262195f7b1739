package io.outport.platform.dev;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/**
 * The dev-mode infrastructure, started once per JVM and kept across live reloads. S3Proxy classes are
 * only touched through {@link EmbeddedS3}, which exists in dev mode and tests alone.
 */
final class DevInfra {

    static final String S3_KEY = "outport-dev";
    static final String S3_SECRET = "outport-dev-secret";
    private static final String PG = System.getenv().getOrDefault("OUTPORT_DEV_PG", "127.0.0.1:5432");
    private static final String DATABASE = "outport_dev";

    private static String database;
    private static String s3Endpoint;

    private DevInfra() {
    }

    static boolean available() {
        try {
            Class.forName("org.gaul.s3proxy.S3Proxy", false, DevInfra.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static synchronized String database() {
        if (database == null) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + PG + "/postgres", "postgres", "")) {
                ResultSet rs = c.createStatement().executeQuery(
                        "select 1 from pg_database where datname = '" + DATABASE + "'");
                if (!rs.next()) {
                    c.createStatement().execute("create database " + DATABASE);
                }
            } catch (Exception e) {
                throw new IllegalStateException("dev mode needs PostgreSQL on " + PG
                        + " (user postgres, trust auth), or set QUARKUS_DATASOURCE_REACTIVE_URL", e);
            }
            database = PG + "/" + DATABASE;
        }
        return database;
    }

    static synchronized String s3Endpoint() {
        if (s3Endpoint == null) {
            try (ServerSocket socket = new ServerSocket(0)) {
                int port = socket.getLocalPort();
                socket.close();
                s3Endpoint = EmbeddedS3.start(port, S3_KEY, S3_SECRET, "target/dev-s3");
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the embedded S3Proxy for dev mode", e);
            }
        }
        return s3Endpoint;
    }
}
