package io.outport.support;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.util.Map;

/** Helpers that set up tenants and keys through the admin API, as a real operator would. */
public final class Api {

    private Api() {
    }

    public static RequestSpecification admin() {
        return RestAssured.given().header("Authorization", "Bearer " + TestInfra.ADMIN_TOKEN);
    }

    public static String newTenant(String name) {
        return admin().contentType(ContentType.JSON).body(Map.of("name", name))
                .post("/admin/v1/tenants").then().statusCode(201).extract().path("id");
    }

    public static String newKey(String tenantId) {
        return admin().post("/admin/v1/tenants/" + tenantId + "/api-keys")
                .then().statusCode(201).extract().path("key");
    }

    /** A tenant and one of its keys. */
    public record TenantKey(String tenantId, String key) {
    }

    public static TenantKey newTenantWithKey() {
        String tenant = newTenant("t-" + System.nanoTime());
        return new TenantKey(tenant, newKey(tenant));
    }

    /** A tenant whose declared-dataset rows carry {@code externalId}, and one of its keys. */
    public static TenantKey newTenantWithKey(String externalId) {
        String tenant = admin().contentType(ContentType.JSON)
                .body(Map.of("name", "t-" + System.nanoTime(), "external_id", externalId))
                .post("/admin/v1/tenants").then().statusCode(201).extract().path("id");
        return new TenantKey(tenant, newKey(tenant));
    }

    /** A fresh tenant with one key; returns the key. */
    public static String newTenantKey() {
        return newKey(newTenant("t-" + System.nanoTime()));
    }

    public static RequestSpecification as(String key) {
        return RestAssured.given().header("Authorization", "Bearer " + key);
    }
}
