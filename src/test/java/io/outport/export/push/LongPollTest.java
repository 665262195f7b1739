package io.outport.export.push;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** The long poll: GET /v1/exports/{id}?wait= answers at the first final state, or with the export when the wait ends. */
@QuarkusTest
class LongPollTest {

    @Test
    void answersAtOnceWhenTheChangeHappensOnAnotherConnection() throws Exception {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        long start = System.nanoTime();
        CompletableFuture<Response> poll = CompletableFuture.supplyAsync(() ->
                Api.as(t.key()).get("/v1/exports/" + id + "?wait=60s"));
        // The long poll is waiting (the export is queued and not due); the change is made in SQL, as
        // another replica would make it, and must reach the poll through the notification.
        Exports.pause(1500);
        assertFalse(poll.isDone(), "the poll waits while the export is queued");
        Exports.sql("update export set status = 'canceled', finished_at = now() where id = '" + id + "'");
        Response r = poll.get();
        long waitedSeconds = (System.nanoTime() - start) / 1_000_000_000L;
        r.then().statusCode(200).body("id", equalTo(id)).body("status", equalTo("canceled"));
        assertTrue(waitedSeconds < 50, "answered at the change, not when the 60 s wait ended: " + waitedSeconds + " s");
    }

    @Test
    void answersWithTheExportAsItIsWhenTheWaitEnds() {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        long start = System.nanoTime();
        Api.as(t.key()).get("/v1/exports/" + id + "?wait=1s").then().statusCode(200)
                .body("status", equalTo("queued")).header("Retry-After", notNullValue());
        assertTrue(System.nanoTime() - start >= 1_000_000_000L, "held for the wait");
    }

    @Test
    void aFinishedExportAnswersAtOnce() {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        Exports.sql("update export set status = 'canceled', finished_at = now() where id = '" + id + "'");
        Api.as(t.key()).get("/v1/exports/" + id + "?wait=PT60S").then().statusCode(200).body("status", equalTo("canceled"));
    }

    @Test
    void aBadWaitIsA400NamingIt() {
        Api.TenantKey t = Api.newTenantWithKey();
        String id = Exports.parkedExport(t.tenantId());
        for (String bad : new String[]{"0s", "61s", "2m", "500ms", "abc", "-5", "30x", "PT0.5S", "P1D", "1e3",
                "99999999999999999999", ""}) {
            Api.as(t.key()).queryParam("wait", bad).get("/v1/exports/" + id).then()
                    .statusCode(400).contentType("application/problem+json").body("errors.field", hasItem("wait"));
        }
        Api.as(t.key()).get("/v1/exports/" + id + "?wait=1s&wait=2s").then().statusCode(400).body("errors.field", hasItem("wait"));
        Api.as(t.key()).get("/v1/exports/" + id + "?colour=red").then().statusCode(400).body("errors.field", hasItem("colour"));
        for (String good : new String[]{"1", "1s", "1000ms", "PT1S"}) {
            Api.as(t.key()).queryParam("wait", good).get("/v1/exports/" + id).then().statusCode(200);
        }
    }

    @Test
    void anotherTenantsExportIsNotFoundEvenWhenWaiting() {
        Api.TenantKey owner = Api.newTenantWithKey();
        String id = Exports.parkedExport(owner.tenantId());
        Api.as(Api.newTenantKey()).get("/v1/exports/" + id + "?wait=5s").then().statusCode(404)
                .contentType("application/problem+json");
        Api.as(owner.key()).get("/v1/exports/0193a5c2-0000-7000-8000-000000000000?wait=5s").then().statusCode(404);
    }
}
