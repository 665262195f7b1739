package io.outport.tenant;

import io.outport.support.IdentityProvider;
import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.outport.support.TestInfra;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Credentials across replicas (packaged jars on one database): a portal code exchanged on two replicas at once
 * wins exactly once; a revocation on one replica ends the tenant's tokens on the other within 5 s; a JWKS file
 * as an operator configures it, and the start-up errors of bad JWT settings.
 */
class IdentityIT extends RealProcesses {

    @Test
    void aPortalCodeRacedOnTwoReplicasIsExchangedOnceAndARevocationReachesTheOtherReplica() throws Exception {
        try (ServiceProcess a = ServiceProcess.start("identity-a", infra, Map.of());
             ServiceProcess b = ServiceProcess.start("identity-b", infra, Map.of())) {
            String tenant = a.as(TestInfra.ADMIN_TOKEN).contentType(ContentType.JSON).body(Map.of("name", "Race"))
                    .put("/admin/v1/tenants/by-external-id/acct_race").then().statusCode(201).extract().path("id");
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<String> lines = new ArrayList<>();
            int wins = 0;
            for (int round = 0; round < 10; round++) {
                String code = a.as(TestInfra.ADMIN_TOKEN).contentType(ContentType.JSON).body(Map.of())
                        .post("/admin/v1/tenants/" + tenant + "/portal-links").then().statusCode(201).extract().path("code");
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Integer>> answers = new ArrayList<>();
                for (ServiceProcess p : List.of(a, b)) {
                    answers.add(pool.submit(() -> {
                        go.await();
                        return given().baseUri(p.url("")).contentType(ContentType.JSON).body(Map.of("code", code))
                                .post("/v1/portal/sessions").then().extract().statusCode();
                    }));
                }
                go.countDown();
                int onA = answers.get(0).get();
                int onB = answers.get(1).get();
                lines.add("round " + round + ": a " + onA + ", b " + onB);
                assertEquals(List.of(201, 401), List.of(onA, onB).stream().sorted().toList(), lines.toString());
                wins++;
            }
            pool.shutdown();
            System.out.println("[portal race] " + wins + " codes, each exchanged on both replicas at once: " + lines);

            // A token minted on a works on b until a revokes the tenant's tokens.
            String token = a.as(TestInfra.ADMIN_TOKEN).contentType(ContentType.JSON).body(Map.of("ttl", "10m"))
                    .post("/admin/v1/tenants/" + tenant + "/tokens").then().statusCode(201).extract().path("token");
            b.as(token).get("/v1/exports").then().statusCode(200);
            a.as(TestInfra.ADMIN_TOKEN).post("/admin/v1/tenants/" + tenant + "/tokens/revoke").then().statusCode(204);
            long t0 = System.nanoTime();
            await("the revoked token stops working on the other replica", Duration.ofSeconds(5),
                    () -> b.as(token).get("/v1/exports").then().extract().statusCode() == 401);
            System.out.printf("[revoke] revoked on identity-a; refused on identity-b after %d ms%n",
                    Duration.ofNanos(System.nanoTime() - t0).toMillis());
            // Guessing codes: after 30 attempts a minute from one address, 429 with Retry-After.
            int refused = 0;
            for (int i = 0; i < 32; i++) {
                var r = given().baseUri(b.url("")).contentType(ContentType.JSON).body(Map.of("code", "opc_guess" + i))
                        .post("/v1/portal/sessions").then().extract();
                if (r.statusCode() == 429) {
                    assertNotNull(r.header("Retry-After"));
                    refused++;
                } else {
                    assertEquals(401, r.statusCode());
                }
            }
            assertTrue(refused >= 2, "guesses refused: " + refused);
            for (ServiceProcess p : List.of(a, b)) {
                String log = p.output();
                assertFalse(log.contains(token), "a token reached " + p.name + "'s log");
                assertFalse(log.contains("opc_"), "a portal code reached " + p.name + "'s log");
            }
        }
    }

    @Test
    void aJwksFileAsAnOperatorConfiguresItAndBadSettingsStopStartUpNamingTheVariable() throws Exception {
        IdentityProvider.start();
        Path jwks = Files.createTempFile("outport-jwks", ".json");
        Files.writeString(jwks, IdentityProvider.jwks());
        Map<String, String> env = new HashMap<>();
        env.put("OUTPORT_AUTH_JWT_JWKS_URL", jwks.toUri().toString());
        env.put("OUTPORT_AUTH_JWT_ISSUER", IdentityProvider.ISSUER);
        env.put("OUTPORT_AUTH_JWT_TENANT_CLAIM", "org.id");
        try (ServiceProcess p = ServiceProcess.start("jwks-file", infra, env)) {
            p.as(IdentityProvider.token("ed-1", "acct_file")).get("/v1/exports").then().statusCode(200);
            p.as(TestInfra.ADMIN_TOKEN).get("/admin/v1/tenants?external_id=acct_file").then().statusCode(200)
                    .body("data[0].external_id", org.hamcrest.Matchers.equalTo("acct_file"));
        }
        Path broken = Files.createTempFile("outport-jwks-broken", ".json");
        Files.writeString(broken, "{\"keys\": [");
        Map<Map<String, String>, String> bad = new java.util.LinkedHashMap<>();
        bad.put(Map.of("OUTPORT_AUTH_JWT_JWKS_URL", "file:/nonexistent/jwks.json", "OUTPORT_AUTH_JWT_ISSUER", "x"), "OUTPORT_AUTH_JWT_JWKS_URL");
        bad.put(Map.of("OUTPORT_AUTH_JWT_JWKS_URL", broken.toUri().toString(), "OUTPORT_AUTH_JWT_ISSUER", "x"), "OUTPORT_AUTH_JWT_JWKS_URL");
        bad.put(Map.of("OUTPORT_AUTH_JWT_JWKS_URL", "http://127.0.0.1:9/jwks.json", "OUTPORT_AUTH_JWT_ISSUER", "x"), "OUTPORT_AUTH_JWT_JWKS_URL must be an https URL");
        bad.put(Map.of("OUTPORT_AUTH_JWT_JWKS_URL", jwks.toUri().toString()), "OUTPORT_AUTH_JWT_ISSUER is required");
        bad.put(Map.of("OUTPORT_AUTH_TENANT_PROVISIONING", "perhaps"), "OUTPORT_AUTH_TENANT_PROVISIONING must be true or false");
        bad.put(Map.of("OUTPORT_AUTH_JWT_TENANT_CLAIM", "org..id"), "OUTPORT_AUTH_JWT_TENANT_CLAIM");
        bad.put(Map.of("OUTPORT_CONSOLE_LOGO_URL", "javascript:alert(1)"), "OUTPORT_CONSOLE_LOGO_URL");
        bad.put(Map.of("OUTPORT_CONSOLE_ACCENT", "red; background:url(x)"), "OUTPORT_CONSOLE_ACCENT");
        bad.put(Map.of("OUTPORT_PORTAL_SESSION_TTL", "25h"), "OUTPORT_PORTAL_SESSION_TTL");
        List<Map<String, String>> envs = List.copyOf(bad.keySet());
        List<String> outputs = ServiceProcess.failedStarts(infra, envs);
        for (int i = 0; i < envs.size(); i++) {
            String named = bad.get(envs.get(i));
            assertTrue(outputs.get(i).contains(named), envs.get(i) + " should name " + named + ":\n" + outputs.get(i));
        }
    }
}
