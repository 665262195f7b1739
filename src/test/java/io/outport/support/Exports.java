package io.outport.support;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Test helpers for exports: create, wait for an end state, download parts, seed rows in bulk. */
public final class Exports {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private Exports() {
    }

    public static String create(String key, Object body) {
        return Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/exports")
                .then().statusCode(202).extract().path("id");
    }

    /** Polls the export until it reaches a final state (or {@code wanted}); fails after 120 s. */
    public static JsonPath await(String key, String id, String... wanted) {
        List<String> states = wanted.length > 0 ? List.of(wanted) : List.of("completed", "failed", "canceled", "expired");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            JsonPath export = Api.as(key).get("/v1/exports/" + id).then().statusCode(200).extract().jsonPath();
            if (states.contains(export.getString("status"))) {
                return export;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("export " + id + " still " + export.getString("status"));
            }
            pause(50);
        }
    }

    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** GETs a presigned URL and returns the stored bytes. */
    public static byte[] fetch(String url) {
        try {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + url + " -> " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String gunzip(byte[] bytes) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Inserts {@code n} events for a tenant in one statement, with ~{@code pad} bytes of properties each. */
    public static void seed(String tenantId, int n, int pad) {
        try (Connection c = TestInfra.connect(); PreparedStatement s = c.prepareStatement("""
                insert into event (tenant_id, type, occurred_at, user_id, properties)
                select ?::uuid, (array['purchase','refund','view'])[1 + g % 3],
                       timestamptz '2026-01-01' + (g::bigint * 7919 % 1000000) * interval '1 second',
                       'u_' || (g % 97),
                       jsonb_build_object('n', g, 'pad', repeat(md5(g::text), ?))
                  from generate_series(1, ?) g""")) {
            s.setString(1, tenantId);
            s.setInt(2, Math.max(0, pad / 32));
            s.setInt(3, n);
            s.execute();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores a queued export that is not due for an hour, so no worker takes it during the test. */
    public static String parkedExport(String tenantId) {
        String id = io.outport.platform.UuidV7.next().toString();
        sql("insert into export (id, tenant_id, dataset, format, compression, fields, max_file_bytes, max_attempts, run_at)"
                + " values ('" + id + "', '" + tenantId + "', 'events', 'ndjson', 'gzip', '[\"id\"]', 104857600, 3,"
                + " now() + interval '1 hour')");
        return id;
    }

    public static void sql(String statement) {
        try (Connection c = TestInfra.connect()) {
            c.createStatement().execute(statement);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(String query) {
        return Long.parseLong(stringOf(query));
    }

    /** The first column of the first row of {@code query} on another database of the same server. */
    public static String stringOfIn(String database, String query) {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + TestInfra.PG_HOST + ":"
                + TestInfra.pgPort() + "/" + database, TestInfra.PG_USER, "")) {
            var rs = c.createStatement().executeQuery(query);
            rs.next();
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String stringOf(String query) {
        try (Connection c = TestInfra.connect()) {
            var rs = c.createStatement().executeQuery(query);
            rs.next();
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The object keys of a completed export's files, by part. */
    public static List<String> keysOf(String exportId) {
        try (Connection c = TestInfra.connect()) {
            var rs = c.createStatement().executeQuery(
                    "select object_key from export_file where export_id = '" + exportId + "' order by part");
            List<String> keys = new java.util.ArrayList<>();
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
            return keys;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static {
        RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }
}
