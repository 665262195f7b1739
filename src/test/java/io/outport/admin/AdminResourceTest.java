package io.outport.admin;

import io.outport.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;

@QuarkusTest
class AdminResourceTest {

    @Test
    void createsTenantAndIssuesKey() {
        String tenant = Api.admin().contentType(ContentType.JSON).body("{\"name\":\"acme\"}")
                .post("/admin/v1/tenants").then().statusCode(201)
                .body("name", equalTo("acme")).body("id", notNullValue()).body("created_at", notNullValue())
                .body("destination_external_id", matchesPattern("outport-[0-9a-f]{32}"))
                .extract().path("id");
        // The same external id the tenant reads (and its role destinations use), on every read.
        String externalId = Api.admin().get("/admin/v1/tenants/" + tenant).then().statusCode(200)
                .extract().path("destination_external_id");
        String key = Api.newKey(tenant);
        Api.as(key).get("/v1/destinations").then().statusCode(200).body("external_id", equalTo(externalId));
        Api.admin().post("/admin/v1/tenants/" + tenant + "/api-keys").then().statusCode(201)
                .body("key", matchesPattern("op_[A-Za-z0-9_-]{43}"))
                .body("prefix", matchesPattern("op_.{7}"))
                .body("id", notNullValue());
    }

    @Test
    void adminTokenRequired() {
        given().contentType(ContentType.JSON).body("{\"name\":\"x\"}").post("/admin/v1/tenants")
                .then().statusCode(401).contentType("application/problem+json").body("code", equalTo("unauthorized"));
        given().header("Authorization", "Bearer wrong-token-wrong-token").contentType(ContentType.JSON)
                .body("{\"name\":\"x\"}").post("/admin/v1/tenants")
                .then().statusCode(401).body("code", equalTo("unauthorized"));
    }

    @Test
    void tenantValidation() {
        Api.admin().contentType(ContentType.JSON).body("{\"name\":\"\",\"extra\":1}").post("/admin/v1/tenants")
                .then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("invalid_request"))
                .body("errors.field", hasItems("name", "extra"));
        Api.admin().contentType(ContentType.JSON).body("{\"name\":").post("/admin/v1/tenants")
                .then().statusCode(400).body("code", equalTo("invalid_request"));
        Api.admin().contentType(ContentType.TEXT).body("name=acme").post("/admin/v1/tenants")
                .then().statusCode(415).body("code", equalTo("unsupported_media_type"));
    }

    @Test
    void unknownTenantOrKeyIs404() {
        Api.admin().post("/admin/v1/tenants/00000000-0000-7000-8000-000000000000/api-keys")
                .then().statusCode(404).body("code", equalTo("not_found"));
        Api.admin().post("/admin/v1/tenants/not-a-uuid/api-keys").then().statusCode(404);
        Api.admin().delete("/admin/v1/api-keys/00000000-0000-7000-8000-000000000000")
                .then().statusCode(404).body("code", equalTo("not_found"));
    }

    @Test
    void externalIdIsStoredUniqueShownAndDefaultsToTheTenantsId() {
        String ext = "acct_" + System.nanoTime();
        String tenant = Api.admin().contentType(ContentType.JSON).body("{\"name\":\"acme\",\"external_id\":\"" + ext + "\"}")
                .post("/admin/v1/tenants").then().statusCode(201).body("external_id", equalTo(ext))
                .extract().path("id");
        Api.admin().get("/admin/v1/tenants/" + tenant).then().statusCode(200)
                .body("id", equalTo(tenant)).body("name", equalTo("acme")).body("external_id", equalTo(ext));
        Api.admin().contentType(ContentType.JSON).body("{\"name\":\"other\",\"external_id\":\"" + ext + "\"}")
                .post("/admin/v1/tenants").then().statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("external_id_taken")).body("detail", containsString(ext));
        String plain = Api.newTenant("plain");
        Api.admin().get("/admin/v1/tenants/" + plain).then().statusCode(200).body("external_id", equalTo(plain));
        Api.admin().get("/admin/v1/tenants/00000000-0000-7000-8000-000000000000").then().statusCode(404)
                .body("code", equalTo("not_found"));
        Api.admin().get("/admin/v1/tenants/not-a-uuid").then().statusCode(404);
        given().get("/admin/v1/tenants/" + plain).then().statusCode(401);
    }

    @Test
    void externalIdValidation() {
        for (String bad : new String[]{"\"\"", "7", "true", "[\"a\"]", "{}", "\"" + "x".repeat(201) + "\"", "\"nul\\u0000\""}) {
            Api.admin().contentType(ContentType.JSON).body("{\"name\":\"acme\",\"external_id\":" + bad + "}")
                    .post("/admin/v1/tenants").then().statusCode(400).contentType("application/problem+json")
                    .body("code", equalTo("invalid_request")).body("errors.field", contains("external_id"));
        }
        // null is the same as leaving it out: the default.
        Api.admin().contentType(ContentType.JSON).body("{\"name\":\"acme\",\"external_id\":null}")
                .post("/admin/v1/tenants").then().statusCode(201).body("external_id", notNullValue());
    }
}
