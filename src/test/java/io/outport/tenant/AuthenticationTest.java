package io.outport.tenant;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/api.md, authentication: bearer API keys, revocation, tenant isolation (404, never 403). */
@QuarkusTest
class AuthenticationTest {

    @Test
    void missingKeyIs401() {
        given().get("/v1/exports").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer").body("code", equalTo("unauthorized"));
    }

    @Test
    void malformedKeyIs401() {
        for (String header : new String[]{"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "op_abc", "Bearer op_short",
                "Bearer xx_" + "a".repeat(43), "Bearer op_" + "a".repeat(43) + "!", "Bearer op_" + "é".repeat(43)}) {
            given().header("Authorization", header).get("/v1/exports").then().statusCode(401)
                    .body("code", equalTo("unauthorized"));
        }
    }

    @Test
    void unknownKeyIs401() {
        given().header("Authorization", "Bearer op_" + "A".repeat(43)).get("/v1/exports")
                .then().statusCode(401).body("code", equalTo("unauthorized"));
    }

    @Test
    void revokedKeyStopsWorkingWithinFiveSecondsAndOtherKeysKeepWorking() {
        String tenant = Api.newTenant("revoke");
        String kept = Api.newKey(tenant);
        var issued = Api.admin().post("/admin/v1/tenants/" + tenant + "/api-keys").then().statusCode(201).extract();
        String key = issued.path("key");
        String keyId = issued.path("id");
        // Used once, so the key is in the authentication cache when it is revoked.
        Api.as(key).get("/v1/exports").then().statusCode(200);
        Api.admin().delete("/admin/v1/api-keys/" + keyId).then().statusCode(204);
        long deadline = System.nanoTime() + 5_000_000_000L;
        int status;
        do {
            status = Api.as(key).get("/v1/exports").then().extract().statusCode();
            if (status == 401) {
                break;
            }
            Exports.pause(100);
        } while (System.nanoTime() < deadline);
        assertEquals(401, status, "revoked key still accepted after 5 s");
        Api.as(key).get("/v1/exports").then().statusCode(401).body("code", equalTo("unauthorized"));
        Api.as(kept).get("/v1/exports").then().statusCode(200);
        // Revoking twice is fine; an unknown key id is 404.
        Api.admin().delete("/admin/v1/api-keys/" + keyId).then().statusCode(204);
    }

    @Test
    void otherTenantsResourcesAre404() {
        String a = Api.newTenantKey();
        String b = Api.newTenantKey();
        String id = Api.as(a).contentType(ContentType.JSON).body("{\"dataset\":\"events\"}").post("/v1/exports")
                .then().statusCode(202).extract().path("id");
        Api.as(b).get("/v1/exports/" + id).then().statusCode(404).body("code", equalTo("not_found"));
        Api.as(b).post("/v1/exports/" + id + "/cancel").then().statusCode(404).body("code", equalTo("not_found"));
        Api.as(b).get("/v1/exports/" + id + "/download").then().statusCode(404);
        Api.as(a).get("/v1/exports/" + id).then().statusCode(200);
        Api.as(a).get("/v1/exports/not-a-uuid").then().statusCode(404).body("code", equalTo("not_found"));
    }
}
