package io.outport.platform;

import io.outport.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** RFC 9110: OPTIONS lists exactly the methods a path answers, and every 405 carries the same Allow. */
@QuarkusTest
class RoutesTest {

    private static final String ID = "00000000-0000-7000-8000-000000000000";

    @Test
    void theRouteTableIsTheServedDocument() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        Map<String, Set<String>> documented = new TreeMap<>();
        Map<String, Map<String, Object>> paths = doc.getMap("paths");
        paths.forEach((path, ops) -> {
            if (path.startsWith("/v1/") || path.startsWith("/admin/v1/")) {
                Set<String> methods = new TreeSet<>();
                ops.keySet().stream().filter(m -> Set.of("get", "post", "put", "delete", "patch").contains(m))
                        .forEach(m -> methods.add(m.toUpperCase()));
                documented.put(path, methods);
            }
        });
        Map<String, Set<String>> table = new TreeMap<>();
        Routes.ALL.forEach(r -> table.put(r.template(), new TreeSet<>(r.methods())));
        assertEquals(documented, table);
    }

    @Test
    void optionsListsThePathsOwnMethodsAndA405CarriesAllow() {
        String key = Api.newTenantKey();
        for (Routes.Route r : Routes.ALL) {
            String path = r.template().replaceAll("\\{[^}]+}", ID);
            String allow = Routes.allow(path).orElseThrow();
            var auth = r.template().startsWith("/admin/") ? Api.admin() : Api.as(key);
            auth.options(path).then().statusCode(204).header("Allow", allow);
            var again = r.template().startsWith("/admin/") ? Api.admin() : Api.as(key);
            String wrong = r.methods().contains("PUT") ? "PATCH" : "PUT";
            again.request(wrong, path).then().statusCode(405).contentType("application/problem+json")
                    .body("code", equalTo("method_not_allowed")).header("Allow", allow);
        }
        assertEquals("GET, HEAD, OPTIONS", Routes.allow("/v1/exports/" + ID).orElseThrow());
        assertEquals("POST, OPTIONS", Routes.allow("/v1/exports/" + ID + "/cancel").orElseThrow());
        assertEquals("GET, HEAD, POST, OPTIONS", Routes.allow("/admin/v1/tenants").orElseThrow());
        assertEquals("PUT, OPTIONS", Routes.allow("/admin/v1/tenants/by-external-id/acct_1").orElseThrow());
        Api.as(key).options("/v1/nothing/here").then().statusCode(404).body("code", equalTo("not_found"));
        given().options("/v1/exports").then().statusCode(401);
    }
}
