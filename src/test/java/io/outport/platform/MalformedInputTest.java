package io.outport.platform;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * 300 randomly malformed bodies against POST /v1/exports and POST /v1/events: every answer is a 4xx
 * problem (never a 5xx) and nothing is stored. The generator is seeded, so a failure is reproducible.
 */
@QuarkusTest
class MalformedInputTest {

    private static final String[] FRAGMENTS = {"{", "}", "[", "]", ":", ",", "\"", "null", "true", "1e999999",
            "-0", "\"events\"", "\"dataset\"", "\"events\":", "\\u0000", "\\ud800", "{\"a\":", "\u0000", "é", "😀",
            "'; drop table export; --", "9999999999999999999999999", "\"occurred_at\"", "\"2026-01-01T00:00:00Z\"",
            "\"filters\":{", "\"type\":[", "NaN", "\t", "\n", "/*", "\"\\x\"", "[[[[[[[[[[", "{\"\":{}}"};

    @Test
    void randomMalformedBodiesNeverCause5xx() {
        Random random = new Random(20261123L);
        Api.TenantKey t = Api.newTenantWithKey();
        // Enough write budget for 300 requests from one tenant: spread over three tenants.
        List<Api.TenantKey> tenants = List.of(t, Api.newTenantWithKey(), Api.newTenantWithKey());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] body = body(random, i);
            String path = i % 2 == 0 ? "/v1/exports" : "/v1/events";
            Api.TenantKey who = tenants.get(i % 3);
            var response = Api.as(who.key()).contentType(ContentType.JSON).body(body).post(path).then().extract();
            int status = response.statusCode();
            if (status >= 500 || status < 400 || !response.contentType().startsWith("application/problem+json")) {
                failures.add(i + " " + path + " -> " + status + " " + new String(body, StandardCharsets.UTF_8)
                        .replaceAll("\\p{Cntrl}", "?") + " :: " + response.asString());
            }
        }
        assertEquals(List.of(), failures);
        for (Api.TenantKey who : tenants) {
            assertEquals(0, Exports.count("select count(*) from export where tenant_id = '" + who.tenantId() + "'"));
            assertEquals(0, Exports.count("select count(*) from event where tenant_id = '" + who.tenantId() + "'"));
        }
    }

    /** Malformed in varied ways: random fragments, truncated valid bodies, wrong types, invalid UTF-8, huge nesting. */
    private static byte[] body(Random random, int i) {
        switch (i % 6) {
            case 0 -> {
                StringBuilder sb = new StringBuilder();
                int n = 1 + random.nextInt(12);
                for (int k = 0; k < n; k++) {
                    sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                }
                return sb.toString().getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                String valid = i % 4 == 1
                        ? "{\"events\":[{\"type\":\"t\",\"occurred_at\":\"2026-01-01T00:00:00Z\",\"properties\":{\"a\":1}}]}"
                        : "{\"dataset\":\"events\",\"format\":\"csv\",\"filters\":{\"type\":[\"a\"]}}";
                return valid.substring(0, random.nextInt(valid.length() - 1)).getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> {
                String[] values = {"null", "1", "-1", "1.5", "\"\"", "[]", "{}", "true", "\"x\"", "[null]", "[{}]",
                        "\"2026-01-01\"", "1e308", "\"" + "z".repeat(300) + "\""};
                String v1 = values[random.nextInt(values.length)];
                String v2 = values[random.nextInt(values.length)];
                return ("{\"dataset\":" + v1 + ",\"events\":" + v2 + ",\"filters\":" + v2 + ",\"fields\":" + v1
                        + ",\"max_file_bytes\":" + v2 + "}").getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> {
                byte[] bytes = new byte[1 + random.nextInt(200)];
                random.nextBytes(bytes);
                bytes[0] = '{';
                return bytes;
            }
            case 4 -> {
                int depth = 50 + random.nextInt(5000);
                String prefix = i % 4 == 0 ? "{\"dataset\":\"events\",\"filters\":" : "{\"events\":[{\"type\":\"t\",\"occurred_at\":\"2026-01-01T00:00:00Z\",\"properties\":";
                return (prefix + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}" + (i % 4 == 0 ? "" : "]}"))
                        .getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                String[] nasty = {"\\u0000", "\u0000", "\\ud83d", "'; drop table event; --", "%00", "\\\\", "${jndi:x}"};
                String s = nasty[random.nextInt(nasty.length)];
                return ("{\"events\":[{\"type\":\"" + s + "\",\"occurred_at\":\"" + s + "\",\"user_id\":\"" + s
                        + "\",\"properties\":{\"" + s + "\":\"" + s + "\"}}],\"dataset\":\"" + s + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
            }
        }
    }
}
