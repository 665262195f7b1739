package io.outport.tenant;

import io.outport.platform.OutportConfig;
import io.outport.support.Api;
import io.outport.support.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** docs/api.md, rate limits: per-tenant rate limits, shared by every replica through PostgreSQL, with IETF headers. */
@QuarkusTest
class RateLimitTest {

    @Inject
    RateLimiter limiter;

    @Inject
    OutportConfig config;

    @Inject
    Vertx vertx;

    @Test
    void everyV1ResponseCarriesRateLimitHeaders() {
        String key = Api.newTenantKey();
        Api.as(key).get("/v1/exports").then().statusCode(200)
                .header("RateLimit-Policy", equalTo("\"reads\";q=600;w=60"))
                .header("RateLimit", matchesPattern("\"reads\";r=599;t=\\d+"));
        Api.as(key).get("/v1/exports").then().header("RateLimit", matchesPattern("\"reads\";r=598;t=\\d+"));
        Api.as(key).contentType(ContentType.JSON).body("{}").post("/v1/exports").then().statusCode(400)
                .header("RateLimit-Policy", equalTo("\"writes\";q=120;w=60"));
    }

    @Test
    void writesOverTheLimitGet429WithRetryAfter() {
        String key = Api.newTenantKey();
        // The 121 requests must fall in one fixed window.
        while (java.time.LocalTime.now().getSecond() >= 45) {
            io.outport.support.Exports.pause(200);
        }
        for (int i = 0; i < 120; i++) {
            Api.as(key).contentType(ContentType.JSON).body("{}").post("/v1/events").then().statusCode(400);
        }
        Api.as(key).contentType(ContentType.JSON).body("{}").post("/v1/events").then().statusCode(429)
                .contentType("application/problem+json").body("code", equalTo("rate_limited"))
                .header("Retry-After", matchesPattern("\\d+"))
                .header("RateLimit", matchesPattern("\"writes\";r=0;t=\\d+"));
        // Reads have their own budget; another tenant is unaffected.
        Api.as(key).get("/v1/exports").then().statusCode(200);
        Api.as(Api.newTenantKey()).contentType(ContentType.JSON).body("{}").post("/v1/events").then().statusCode(400);
    }

    @Test
    void twoReplicasShareOneBudget() {
        String tenant = Api.newTenant("replicas");
        UUID tenantId = UUID.fromString(tenant);
        // A second "replica": its own connection pool and limiter, the same database.
        PgConnectOptions options = new PgConnectOptions().setHost(TestInfra.PG_HOST)
                .setPort(Integer.parseInt(TestInfra.pgPort())).setDatabase(TestInfra.database).setUser(TestInfra.PG_USER);
        Pool otherPool = Pool.pool(vertx, options, new PoolOptions().setMaxSize(2));
        // Keep the 30 hits inside one fixed window.
        while (java.time.LocalTime.now().getSecond() >= 50) {
            io.outport.support.Exports.pause(200);
        }
        try {
            RateLimiter other = new RateLimiter(otherPool, config);
            int allowed = 0;
            for (int i = 0; i < 30; i++) {
                // Replicas sync their counts every 100 ms; spaced requests make every count visible.
                io.outport.support.Exports.pause(120);
                RateLimiter replica = i % 2 == 0 ? limiter : other;
                if (replica.hit(tenantId, RateLimiter.Bucket.writes, 10).await().indefinitely().allowed()) {
                    allowed++;
                }
            }
            assertEquals(10, allowed, "10 requests per window in total, not 10 per replica");
            io.outport.support.Exports.pause(120);
            RateLimiter.Decision last = other.hit(tenantId, RateLimiter.Bucket.writes, 10).await().indefinitely();
            assertFalse(last.allowed());
            assertEquals(0, last.remaining());
            assertTrue(last.resetSeconds() >= 1 && last.resetSeconds() <= 60);
        } finally {
            otherPool.closeAndAwait();
        }
    }

    @Test
    void oneReplicaAdmitsExactlyTheLimit() {
        UUID tenantId = UUID.fromString(Api.newTenant("exact"));
        while (java.time.LocalTime.now().getSecond() >= 50) {
            io.outport.support.Exports.pause(200);
        }
        int allowed = 0;
        StringBuilder trace = new StringBuilder(); // allowed and remaining, request by request
        for (int i = 0; i < 130; i++) {
            RateLimiter.Decision d = limiter.hit(tenantId, RateLimiter.Bucket.writes, 120).await().indefinitely();
            if (d.allowed()) {
                allowed++;
            }
            trace.append(d.allowed() ? "+" : "-").append(d.remaining()).append(' ');
        }
        assertEquals(120, allowed, trace.toString());
    }
}
