package io.outport.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

/** The served OpenAPI document lists every /v1 and /admin/v1 operation with its schemas and errors. */
@QuarkusTest
class OpenApiTest {

    @Test
    void everyOperationIsDescribed() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        Map<String, Object> paths = doc.getMap("paths");
        List<String> expected = List.of("/v1/events", "/v1/exports", "/v1/exports/{id}", "/v1/exports/{id}/cancel",
                "/v1/exports/{id}/download", "/v1/datasets", "/v1/datasets/{name}", "/admin/v1/tenants",
                "/admin/v1/tenants/{tenant_id}", "/admin/v1/tenants/{tenant_id}/api-keys", "/admin/v1/api-keys/{key_id}");
        assertTrue(paths.keySet().containsAll(expected), "paths: " + paths.keySet());
        assertEquals("#/components/schemas/CreateExport",
                doc.getString("paths.'/v1/exports'.post.requestBody.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/EventBatch",
                doc.getString("paths.'/v1/events'.post.requestBody.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/CreateTenant",
                doc.getString("paths.'/admin/v1/tenants'.post.requestBody.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/Export",
                doc.getString("paths.'/v1/exports/{id}'.get.responses.'200'.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/Problem",
                doc.getString("paths.'/v1/exports'.post.responses.'400'.content.'application/problem+json'.schema.$ref"));
        assertEquals("#/components/schemas/DatasetList",
                doc.getString("paths.'/v1/datasets'.get.responses.'200'.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/Dataset",
                doc.getString("paths.'/v1/datasets/{name}'.get.responses.'200'.content.'application/json'.schema.$ref"));
        assertNotNull(doc.get("paths.'/v1/datasets/{name}'.get.responses.'404'"));
        assertNotNull(doc.get("paths.'/admin/v1/tenants'.post.responses.'409'"));
        assertNotNull(doc.get("components.schemas.Tenant.properties.external_id"));
        assertNotNull(doc.get("components.schemas.CreateTenant.properties.external_id"));
        assertEquals(List.of("name", "type"), List.copyOf(doc.getMap("components.schemas.DatasetColumn.properties").keySet()));
        // null is accepted as "absent, the default" for every optional request field, and documented so.
        for (String field : List.of("CreateExport.properties.format", "CreateExport.properties.compression",
                "CreateExport.properties.filters", "CreateExport.properties.fields", "CreateExport.properties.max_file_bytes",
                "EventIn.properties.user_id", "EventIn.properties.properties", "CreateTenant.properties.external_id")) {
            Object type = doc.get("components.schemas." + field + ".type");
            assertTrue(type instanceof List<?> types && types.contains("null"), field + " is not nullable: " + type);
        }
        assertNotNull(doc.get("paths.'/v1/exports/{id}/download'.get.responses.'307'"));
        assertNotNull(doc.get("paths.'/v1/exports/{id}/download'.get.responses.'410'"));
        assertNotNull(doc.get("paths.'/v1/exports'.post.responses.'422'"));
        assertNotNull(doc.get("paths.'/v1/exports'.post.responses.'429'"));
        for (String schema : List.of("Export", "Problem", "Event", "EventPage", "ExportPage", "Tenant", "IssuedApiKey")) {
            assertNotNull(doc.get("components.schemas." + schema), schema);
        }
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void pushedStatusAndWebhooksAreDescribed() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> getParams = doc.getList("paths.'/v1/exports/{id}'.get.parameters");
        assertTrue(getParams.stream().anyMatch(p -> "wait".equals(p.get("name")) && "query".equals(p.get("in"))), "wait");
        assertNotNull(doc.get("paths.'/v1/exports/{id}'.get.responses.'400'"));
        assertNotNull(doc.get("paths.'/v1/exports/{id}/events'.get.responses.'200'.content.'text/event-stream'"));
        assertEquals("#/components/schemas/CreateExport",
                doc.getString("paths.'/v1/exports/estimate'.post.requestBody.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/ExportEstimate",
                doc.getString("paths.'/v1/exports/estimate'.post.responses.'200'.content.'application/json'.schema.$ref"));
        assertNotNull(doc.get("paths.'/v1/exports/estimate'.post.responses.'400'"));
        assertNotNull(doc.get("paths.'/v1/exports/{id}/events'.get.responses.'400'"));
        assertNotNull(doc.get("paths.'/v1/exports/{id}/events'.get.responses.'404'"));
        List<Map<String, Object>> streamParams = doc.getList("paths.'/v1/exports/{id}/events'.get.parameters");
        assertTrue(streamParams.stream().anyMatch(p -> "Last-Event-ID".equals(p.get("name")) && "header".equals(p.get("in"))));
        assertEquals(List.of("rows", "bytes", "rows_estimated", "percent", "eta_seconds"),
                List.copyOf(doc.getMap("components.schemas.ExportProgress.properties").keySet()));
        for (String nullable : List.of("ExportProgress.properties.rows_estimated", "ExportProgress.properties.eta_seconds",
                "CreateWebhook.properties.events", "Webhook.properties.secret", "WebhookDelivery.properties.next_attempt_at",
                "WebhookDelivery.properties.last_response_status")) {
            Object type = doc.get("components.schemas." + nullable + ".type");
            assertTrue(type instanceof List<?> types && types.contains("null"), nullable + " is not nullable: " + type);
        }
        assertEquals("#/components/schemas/CreateWebhook",
                doc.getString("paths.'/v1/webhooks'.post.requestBody.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/Webhook",
                doc.getString("paths.'/v1/webhooks'.post.responses.'201'.content.'application/json'.schema.$ref"));
        assertNotNull(doc.get("paths.'/v1/webhooks'.post.responses.'400'"));
        assertNotNull(doc.get("paths.'/v1/webhooks'.post.responses.'409'"));
        assertEquals("#/components/schemas/WebhookList",
                doc.getString("paths.'/v1/webhooks'.get.responses.'200'.content.'application/json'.schema.$ref"));
        assertNotNull(doc.get("paths.'/v1/webhooks/{id}'.delete.responses.'204'"));
        assertNotNull(doc.get("paths.'/v1/webhooks/{id}'.get.responses.'404'"));
        assertEquals("#/components/schemas/WebhookDeliveryPage",
                doc.getString("paths.'/v1/webhooks/{id}/deliveries'.get.responses.'200'.content.'application/json'.schema.$ref"));
    }
}
