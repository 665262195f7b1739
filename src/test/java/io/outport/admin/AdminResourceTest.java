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
                .extract().path("id");
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
}
