package io.outport.tenant;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** docs/api.md, credentials: tokens Outport mints for a tenant, their revocation, portal links and sessions. */
@QuarkusTest
class PortalTest {

    private static io.restassured.specification.RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private static String link(String tenant, Map<String, Object> body) {
        return Api.admin().contentType(ContentType.JSON).body(body).post("/admin/v1/tenants/" + tenant + "/portal-links")
                .then().statusCode(201).header("Cache-Control", "no-store").extract().path("code");
    }

    private static io.restassured.response.ValidatableResponse exchange(String code) {
        return given().contentType(ContentType.JSON).body(Map.of("code", code)).post("/v1/portal/sessions").then();
    }

    @Test
    void mintedTokensActForTheirTenantWithTheirScopesUntilRevokedOnEveryReplica() {
        var a = Api.newTenantWithKey();
        var minted = Api.admin().contentType(ContentType.JSON).body(Map.of("scopes", List.of("outport:read"), "ttl", "30m"))
                .post("/admin/v1/tenants/" + a.tenantId() + "/tokens").then().statusCode(201)
                .body("scopes", contains("outport:read")).body("expires_at", notNullValue()).extract();
        String token = minted.path("token");
        assertTrue(token.split("\\.").length == 3);
        String id = Exports.create(a.key(), Map.of("dataset", "events"));
        bearer(token).get("/v1/exports/" + id).then().statusCode(200);
        bearer(token).contentType(ContentType.JSON).body(Map.of("dataset", "events")).post("/v1/exports").then()
                .statusCode(403).body("code", equalTo("insufficient_scope"));
        // Another tenant's export: 404.
        var b = Api.newTenantWithKey();
        String other = Exports.create(b.key(), Map.of("dataset", "events"));
        bearer(token).get("/v1/exports/" + other).then().statusCode(404);
        // Default: every scope, one hour.
        String full = Api.admin().contentType(ContentType.JSON).body(Map.of()).post("/admin/v1/tenants/" + a.tenantId() + "/tokens")
                .then().statusCode(201).body("scopes", contains("outport:read", "outport:write", "outport:webhooks"))
                .extract().path("token");
        bearer(full).contentType(ContentType.JSON).body(Map.of("dataset", "events")).post("/v1/exports").then().statusCode(202);
        // Revoked: both stop working within 5 s; b's tokens are untouched.
        String bToken = Api.admin().contentType(ContentType.JSON).body(Map.of()).post("/admin/v1/tenants/" + b.tenantId() + "/tokens")
                .then().statusCode(201).extract().path("token");
        Api.admin().post("/admin/v1/tenants/" + a.tenantId() + "/tokens/revoke").then().statusCode(204);
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status;
        do {
            status = bearer(full).get("/v1/exports").then().extract().statusCode();
            if (status != 401) {
                Exports.pause(100);
            }
        } while (status != 401 && System.nanoTime() < deadline);
        assertEquals(401, status);
        bearer(token).get("/v1/exports").then().statusCode(401).body("detail", containsString("revoked"));
        bearer(bToken).get("/v1/exports").then().statusCode(200);
        // A new token after the revocation works.
        String fresh = Api.admin().contentType(ContentType.JSON).body(Map.of()).post("/admin/v1/tenants/" + a.tenantId() + "/tokens")
                .then().statusCode(201).extract().path("token");
        bearer(fresh).get("/v1/exports").then().statusCode(200);
        // A forged one: the payload changed, the signature kept.
        String[] parts = fresh.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]));
        String forged = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace(a.tenantId(), b.tenantId()).getBytes()) + "." + parts[2];
        bearer(forged).get("/v1/exports").then().statusCode(401);
    }

    @Test
    void badTokenRequestsAre400sOr404s() {
        String t = Api.newTenant("mint-bad");
        for (Object body : List.of(Map.of("ttl", "30s"), Map.of("ttl", "25h"), Map.of("ttl", "soon"), Map.of("ttl", 60),
                Map.of("scopes", List.of("outport:everything")), Map.of("scopes", List.of()), Map.of("extra", 1), List.of())) {
            Api.admin().contentType(ContentType.JSON).body(body).post("/admin/v1/tenants/" + t + "/tokens").then()
                    .statusCode(400).body("code", equalTo("invalid_request"));
        }
        Api.admin().contentType(ContentType.JSON).body(Map.of()).post("/admin/v1/tenants/" + java.util.UUID.randomUUID() + "/tokens")
                .then().statusCode(404);
        Api.admin().post("/admin/v1/tenants/nope/tokens/revoke").then().statusCode(404);
        given().contentType(ContentType.JSON).body(Map.of()).post("/admin/v1/tenants/" + t + "/tokens").then().statusCode(401);
    }

    @Test
    void aPortalCodeIsExchangedOnceForASessionAndNeverEchoed() {
        var a = Api.newTenantWithKey();
        var created = Api.admin().contentType(ContentType.JSON)
                .body(Map.of("read_only", true, "return_url", "https://app.example.com/settings", "ttl", "5m"))
                .post("/admin/v1/tenants/" + a.tenantId() + "/portal-links").then().statusCode(201).extract();
        String code = created.path("code");
        assertTrue(code.startsWith("opc_") && code.length() >= 47, code);
        assertTrue(created.path("url").toString().matches("http://localhost:[0-9]+/console#code=" + code), created.path("url").toString());
        var session = exchange(code).statusCode(201).header("Cache-Control", "no-store")
                .body("scopes", contains("outport:read")).body("return_url", equalTo("https://app.example.com/settings"))
                .extract();
        String token = session.path("token");
        bearer(token).get("/v1/exports").then().statusCode(200);
        bearer(token).contentType(ContentType.JSON).body(Map.of("dataset", "events")).post("/v1/exports").then().statusCode(403);
        // Used: the same refusal as an unknown code, which never repeats the code.
        String body = exchange(code).statusCode(401).body("code", equalTo("unauthorized")).extract().asString();
        assertFalse(body.contains(code));
        exchange("opc_" + "A".repeat(43)).statusCode(401);
        // Not read-only: read and write.
        String rw = link(a.tenantId(), Map.of());
        String rwToken = exchange(rw).statusCode(201).body("scopes", contains("outport:read", "outport:write"))
                .body("return_url", nullValue()).extract().path("token");
        bearer(rwToken).contentType(ContentType.JSON).body(Map.of("dataset", "events")).post("/v1/exports").then().statusCode(202);
        // Expired.
        String old = link(a.tenantId(), Map.of("ttl", "1m"));
        Exports.sql("update portal_code set expires_at = now() - interval '1 second' where expires_at > now() + interval '50 seconds'"
                + " and expires_at < now() + interval '61 seconds'");
        exchange(old).statusCode(401);
        // Revoking the tenant's tokens ends portal sessions too.
        Api.admin().post("/admin/v1/tenants/" + a.tenantId() + "/tokens/revoke").then().statusCode(204);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (bearer(rwToken).get("/v1/exports").then().extract().statusCode() != 401 && System.nanoTime() < deadline) {
            Exports.pause(100);
        }
        bearer(rwToken).get("/v1/exports").then().statusCode(401);
    }

    @Test
    void badPortalLinksAndExchangesAre4xx() {
        String t = Api.newTenant("portal-bad");
        for (Object body : List.of(Map.of("return_url", "javascript:alert(1)"), Map.of("return_url", "data:text/html,x"),
                Map.of("return_url", "https://user:pw@evil.example/"), Map.of("return_url", "/relative"),
                Map.of("ttl", "61m"), Map.of("ttl", "30s"), Map.of("read_only", "yes"), Map.of("other", 1))) {
            Api.admin().contentType(ContentType.JSON).body(body).post("/admin/v1/tenants/" + t + "/portal-links").then()
                    .statusCode(400).body("code", equalTo("invalid_request"));
        }
        Api.admin().contentType(ContentType.JSON).body(Map.of()).post("/admin/v1/tenants/" + java.util.UUID.randomUUID() + "/portal-links")
                .then().statusCode(404);
        for (Object body : List.of(Map.of(), Map.of("code", 5), Map.of("code", ""), List.of("x"))) {
            given().contentType(ContentType.JSON).body(body).post("/v1/portal/sessions").then().statusCode(400);
        }
        given().contentType(ContentType.TEXT).body("code").post("/v1/portal/sessions").then().statusCode(415);
    }
}
