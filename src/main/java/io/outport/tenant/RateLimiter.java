package io.outport.tenant;

import io.outport.platform.OutportConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-tenant fixed-window (one minute) rate limits whose counters live in PostgreSQL, so every replica
 * draws on the same budget. A replica does not pay a database round trip per request: it adds its own
 * requests to the shared count it last read, and syncs (one upsert that adds what it counted and reads
 * the total back) at most every {@link #SYNC_NANOS}. The shared budget can thus be overdrawn by what
 * the replicas admit within one sync interval, never more.
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
    static final long SYNC_NANOS = 100_000_000L;

    private static final String ADD = """
            insert into rate_limit as r (tenant_id, bucket, window_start, count)
            values ($1, $2, to_timestamp(floor(extract(epoch from now()) / 60) * 60), $3)
            on conflict (tenant_id, bucket) do update
               set count = case when r.window_start = excluded.window_start then r.count + $3 else $3 end,
                   window_start = excluded.window_start
            returning count, extract(epoch from window_start)::bigint as window,
                      ceil(extract(epoch from (window_start + interval '60 seconds' - now())))::int as reset""";

    /** What this replica knows of one tenant's bucket. */
    private static final class Window {
        final AtomicInteger pending = new AtomicInteger();
        final AtomicBoolean syncing = new AtomicBoolean();
        volatile long window = -1;
        volatile int shared;
        volatile long syncedAt;
        volatile long resetsAt;
    }

    private final Pool pool;
    private final OutportConfig config;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

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
        if (windows.size() > 100_000) {
            windows.clear();
        }
        Window w = windows.computeIfAbsent(tenantId + "/" + bucket, k -> new Window());
        long now = System.nanoTime();
        w.pending.incrementAndGet();
        boolean fresh = w.window >= 0 && now - w.resetsAt < 0;
        if (fresh && now - w.syncedAt < SYNC_NANOS) {
            return Uni.createFrom().item(decide(w, bucket, limit, now));
        }
        if (!w.syncing.compareAndSet(false, true)) {
            // Another request is syncing this window; decide on what is known (or sync anyway if nothing is).
            if (fresh) {
                return Uni.createFrom().item(decide(w, bucket, limit, now));
            }
        }
        int adding = w.pending.getAndSet(0);
        return pool.preparedQuery(ADD).execute(Tuple.of(tenantId, bucket.name(), adding)).map(rows -> {
            Row row = rows.iterator().next();
            long at = System.nanoTime();
            w.shared = row.getInteger("count");
            w.window = row.getLong("window");
            w.resetsAt = at + Math.max(1, row.getInteger("reset")) * 1_000_000_000L;
            w.syncedAt = at;
            w.syncing.set(false);
            return decide(w, bucket, limit, at);
        }).onFailure().invoke(e -> {
            w.pending.addAndGet(adding);
            w.syncing.set(false);
        });
    }

    private static Decision decide(Window w, Bucket bucket, int limit, long now) {
        int used = w.shared + w.pending.get();
        int reset = (int) Math.max(1, Math.min(WINDOW_SECONDS, (w.resetsAt - now + 999_999_999L) / 1_000_000_000L));
        return new Decision(bucket, limit, Math.max(0, limit - used), reset, used <= limit);
    }
}
