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
 * Per-tenant fixed-window (one minute) rate limits whose budget lives in PostgreSQL and is exact across
 * replicas: a replica admits a request only with budget it has taken from the shared row beforehand. It
 * takes budget in leases (one atomic upsert that grants at most what is left of the window), sized to its
 * own recent rate — one request's worth when traffic is light or the limit small, up to a twentieth of the
 * limit under load, so a busy replica pays one round trip per many requests while an idle one hoards
 * nothing. Budget a replica leased but did not use goes back to the row after a quarter second without
 * requests, and every lease dies with its window. All replicas together thus never admit more than the
 * limit in a window; the price is that a request may wait for a lease (one round trip).
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
    /** Leased budget unused for this long goes back to the shared row. */
    static final long IDLE_NANOS = 250_000_000L;

    private static final String WINDOW = "to_timestamp(floor(extract(epoch from now()) / 60) * 60)";

    /** Grants at most $3 of what is left of the limit $4 in the current window. */
    private static final String LEASE = """
            insert into rate_limit as r (tenant_id, bucket, window_start, count, granted)
            values ($1, $2, %1$s, least($3, $4), least($3, $4))
            on conflict (tenant_id, bucket) do update
               set granted = case when r.window_start = excluded.window_start
                                  then least($3, greatest(0, $4 - r.count)) else least($3, $4) end,
                   count = case when r.window_start = excluded.window_start
                                then r.count + least($3, greatest(0, $4 - r.count)) else least($3, $4) end,
                   window_start = excluded.window_start
            returning count, granted, extract(epoch from window_start)::bigint as window,
                      ceil(extract(epoch from (window_start + interval '60 seconds' - now())))::int as reset"""
            .formatted(WINDOW);

    private static final String GIVE_BACK = """
            update rate_limit set count = greatest(0, count - $3)
             where tenant_id = $1 and bucket = $2 and window_start = to_timestamp($4::bigint)""";

    /** What this replica holds of one tenant's bucket. */
    private static final class Window {
        final UUID tenantId;
        final Bucket bucket;
        final AtomicInteger unused = new AtomicInteger();
        volatile long window = -1;
        volatile int shared;
        volatile long resetsAt;
        volatile long lastUse;
        final AtomicInteger hits = new AtomicInteger();
        volatile long hitsSince;
        volatile int rate;

        Window(UUID tenantId, Bucket bucket) {
            this.tenantId = tenantId;
            this.bucket = bucket;
        }
    }

    private final Pool pool;
    private final OutportConfig config;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicBoolean returning = new AtomicBoolean();

    /** A limiter over {@code pool}; tests build others on other pools to act as other replicas. */
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
            windows.values().removeIf(w -> w.unused.get() == 0);
        }
        startGivingBack();
        Window w = windows.computeIfAbsent(tenantId + "/" + bucket, k -> new Window(tenantId, bucket));
        long now = System.nanoTime();
        w.lastUse = now;
        countRate(w, now);
        if (w.window >= 0 && now - w.resetsAt < 0 && take(w.unused)) {
            return Uni.createFrom().item(decide(w, limit, now, true));
        }
        int wanted = leaseSize(w, limit);
        return pool.preparedQuery(LEASE).execute(Tuple.of(tenantId, bucket.name(), wanted, limit)).map(rows -> {
            Row row = rows.iterator().next();
            long at = System.nanoTime();
            long window = row.getLong("window");
            int granted = row.getInteger("granted");
            synchronized (w) {
                if (window > w.window) {
                    // A new window: what was leased in the last one died with it.
                    w.unused.set(0);
                    w.shared = 0;
                    w.window = window;
                }
                if (window == w.window) {
                    w.shared = Math.max(w.shared, row.getInteger("count"));
                    w.resetsAt = at + Math.max(1, row.getInteger("reset")) * 1_000_000_000L;
                    if (granted > 1) {
                        w.unused.addAndGet(granted - 1);
                    }
                }
            }
            return decide(w, limit, at, granted >= 1);
        });
    }

    private static boolean take(AtomicInteger unused) {
        while (true) {
            int n = unused.get();
            if (n <= 0) {
                return false;
            }
            if (unused.compareAndSet(n, n - 1)) {
                return true;
            }
        }
    }

    /** Requests this replica saw in the last full second, for the lease size. */
    private static void countRate(Window w, long now) {
        if (now - w.hitsSince >= 1_000_000_000L) {
            w.rate = now - w.hitsSince >= 2_000_000_000L ? 0 : w.hits.get();
            w.hits.set(0);
            w.hitsSince = now;
        }
        w.hits.incrementAndGet();
    }

    /** A quarter second of this replica's recent traffic, between one and a twentieth of the limit. */
    static int leaseSize(int recentPerSecond, int limit) {
        return Math.max(1, Math.min(Math.max(1, limit / 20), recentPerSecond / 4));
    }

    private static int leaseSize(Window w, int limit) {
        return leaseSize(w.rate, limit);
    }

    private static Decision decide(Window w, int limit, long now, boolean allowed) {
        int remaining = Math.max(0, Math.min(limit, limit - w.shared + w.unused.get()));
        int reset = (int) Math.max(1, Math.min(WINDOW_SECONDS, (w.resetsAt - now + 999_999_999L) / 1_000_000_000L));
        return new Decision(w.bucket, limit, remaining, reset, allowed);
    }

    /** Every quarter second: budget leased but idle goes back, so other replicas can use it. */
    private void startGivingBack() {
        if (returning.compareAndSet(false, true)) {
            io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool()
                    .scheduleAtFixedRate(this::giveBack, 250, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    void giveBack() {
        long now = System.nanoTime();
        for (Window w : windows.values()) {
            if (w.unused.get() > 0 && now - w.lastUse > IDLE_NANOS && now - w.resetsAt < 0) {
                long window = w.window;
                int n = w.unused.getAndSet(0);
                if (n > 0) {
                    synchronized (w) {
                        w.shared = Math.max(0, w.shared - n);
                    }
                    pool.preparedQuery(GIVE_BACK).execute(Tuple.of(w.tenantId, w.bucket.name(), n, window))
                            .subscribe().with(r -> { }, e -> { });
                }
            }
        }
    }
}
