package io.outport.platform;

import io.outport.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;

/** docs/api.md, errors: every error is problem+json with code and request id; every response has X-Request-Id. */
@QuarkusTest
class ProblemDetailsTest {

    @Test
    void problemHasTheContractShape() {
        String key = Api.newTenantKey();
        Api.as(key).header("X-Request-Id", "trace-123.abc").contentType(ContentType.JSON).body("{\"dataset\":\"nope\"}")
                .post("/v1/exports").then().statusCode(400)
                .contentType("application/problem+json")
                .header("X-Request-Id", "trace-123.abc")
                .body("type", equalTo("https://outport.dev/problems/invalid_request"))
                .body("title", equalTo("Invalid request")).body("status", equalTo(400))
                .body("detail", containsString("dataset")).body("code", equalTo("invalid_request"))
                .body("request_id", equalTo("trace-123.abc"))
                .body("errors[0].field", equalTo("dataset")).body("errors[0].message", notNullValue())
                .body(not(containsString("Exception"))).body(not(containsString("at io.")));
    }

    @Test
    void requestIdIsEchoedWhenSaneAndReplacedOtherwise() {
        given().header("X-Request-Id", "abc_DEF-1.2:3").get("/q/health/live").then().header("X-Request-Id", "abc_DEF-1.2:3");
        given().header("X-Request-Id", "bad id with spaces").get("/q/health/live")
                .then().header("X-Request-Id", matchesPattern("req_[0-9A-Z]{26}"));
        given().header("X-Request-Id", "x".repeat(500)).get("/q/health/live")
                .then().header("X-Request-Id", matchesPattern("req_[0-9A-Z]{26}"));
        given().get("/v1/exports").then().statusCode(401).header("X-Request-Id", matchesPattern("req_[0-9A-Z]{26}"))
                .body("request_id", startsWith("req_"));
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        String key = Api.newTenantKey();
        Api.as(key).get("/v1/nothing-here").then().statusCode(404).contentType("application/problem+json")
                .body("code", equalTo("not_found"));
        Api.as(key).delete("/v1/exports").then().statusCode(405).contentType("application/problem+json")
                .body("code", equalTo("method_not_allowed"));
        Api.as(key).put("/v1/events").then().statusCode(405).contentType("application/problem+json");
    }

    @Test
    void healthAndMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("S3 bucket"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200).body(containsString("outport_queue_depth"));
    }
}
