package io.outport.tenant;

import io.outport.platform.OutportConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/**
 * Per-tenant fixed-window rate limits whose counters live in PostgreSQL, so every replica enforces
 * the same budget. One upsert per request both counts the request and reads the remaining budget.
 */
@ApplicationScoped
public class RateLimiter {

    /** Reads are GET/HEAD requests, writes everything else. */
    public enum Bucket { reads, writes }

    /** The outcome of counting one request. */
    public record Decision(Bucket bucket, int limit, int remaining, int resetSeconds, boolean allowed) {

        public String policyHeader() {
            return "\"" + bucket + "\";q=" + limit + ";w=" + WINDOW_SECONDS;
        }

        public String stateHeader() {
            return "\"" + bucket + "\";r=" + remaining + ";t=" + resetSeconds;
        }
    }

    static final int WINDOW_SECONDS = 60;

    private static final String HIT = """
            insert into rate_limit as r (tenant_id, bucket, window_start, count)
            values ($1, $2, to_timestamp(floor(extract(epoch from now()) / 60) * 60), 1)
            on conflict (tenant_id, bucket) do update
               set count = case when r.window_start = excluded.window_start then r.count + 1 else 1 end,
                   window_start = excluded.window_start
            returning count,
                      ceil(extract(epoch from (window_start + interval '60 seconds' - now())))::int as reset""";

    private final Pool pool;
    private final OutportConfig config;

    /** A limiter over {@code pool}; tests build a second one on another pool to act as another replica. */
    public RateLimiter(Pool pool, OutportConfig config) {
        this.pool = pool;
        this.config = config;
    }

    public Uni<Decision> hit(UUID tenantId, Bucket bucket) {
        return hit(tenantId, bucket,
                bucket == Bucket.reads ? config.rateLimit().readsPerMinute() : config.rateLimit().writesPerMinute());
    }

    /** Counts one request against {@code limit} requests per minute. */
    public Uni<Decision> hit(UUID tenantId, Bucket bucket, int limit) {
        return pool.preparedQuery(HIT).execute(Tuple.of(tenantId, bucket.name())).map(rows -> {
            Row row = rows.iterator().next();
            int count = row.getInteger("count");
            int reset = Math.max(1, Math.min(WINDOW_SECONDS, row.getInteger("reset")));
            return new Decision(bucket, limit, Math.max(0, limit - count), reset, count <= limit);
        });
    }
}
