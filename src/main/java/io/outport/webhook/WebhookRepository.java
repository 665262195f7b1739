package io.outport.webhook;

import io.outport.platform.UuidV7;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of webhooks: endpoints of a tenant, the delivery log, and the delivery queue. Deliveries are
 * claimed with SKIP LOCKED by moving {@code next_attempt_at} past the delivery timeout (the lease) and
 * counting the attempt; an attempt's result is written only while {@code attempts} still holds the
 * claimed number (the fence), so a replica that wakes up late cannot overwrite a newer attempt's result.
 */
@ApplicationScoped
public class WebhookRepository {

    /** Endpoints per tenant. */
    public static final int MAX_ENDPOINTS = 20;

    public record Endpoint(UUID id, UUID tenantId, String url, List<String> events, String secret, OffsetDateTime createdAt) {
        static Endpoint from(Row r) {
            return new Endpoint(r.getUUID("id"), r.getUUID("tenant_id"), r.getString("url"),
                    List.of(r.getArrayOfStrings("events")), r.getString("secret"), r.getOffsetDateTime("created_at"));
        }
    }

    public record Delivery(UUID id, UUID exportId, String eventType, String status, int attempts,
                           Integer lastResponseStatus, String lastError, OffsetDateTime nextAttemptAt,
                           OffsetDateTime createdAt, OffsetDateTime finishedAt) {
        static Delivery from(Row r) {
            return new Delivery(r.getUUID("id"), r.getUUID("export_id"), r.getString("event_type"), r.getString("status"),
                    r.getInteger("attempts"), r.getInteger("last_response_status"), r.getString("last_error"),
                    r.getOffsetDateTime("next_attempt_at"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("finished_at"));
        }
    }

    /** A claimed delivery with what it takes to send it. */
    public record Claimed(UUID id, UUID tenantId, UUID exportId, String eventType, int attempt, OffsetDateTime createdAt,
                          String url, String secret) {
    }

    private static final String ENDPOINT = "id, tenant_id, url, events, secret, created_at";
    private static final String DELIVERY = "id, export_id, event_type, status, attempts, last_response_status, last_error,"
            + " next_attempt_at, created_at, finished_at";

    private final Pool pool;

    public WebhookRepository(Pool pool) {
        this.pool = pool;
    }

    /** Creates an endpoint; empty when the tenant already has {@link #MAX_ENDPOINTS}. */
    public Uni<Optional<Endpoint>> create(UUID tenantId, String url, List<String> events, String secret) {
        return pool.withTransaction(tx -> tx.preparedQuery("select id from tenant where id = $1 for update")
                .execute(Tuple.of(tenantId))
                .chain(() -> tx.preparedQuery("select count(*) from webhook_endpoint where tenant_id = $1").execute(Tuple.of(tenantId)))
                .chain(count -> count.iterator().next().getLong(0) >= MAX_ENDPOINTS ? Uni.createFrom().item(Optional.<Endpoint>empty())
                        : tx.preparedQuery("insert into webhook_endpoint (id, tenant_id, url, events, secret) values ($1, $2, $3, $4, $5)"
                                        + " returning " + ENDPOINT)
                                .execute(Tuple.of(UuidV7.next(), tenantId, url, events.toArray(String[]::new), secret))
                                .map(rows -> Optional.of(Endpoint.from(rows.iterator().next())))));
    }

    public Uni<List<Endpoint>> list(UUID tenantId) {
        return pool.preparedQuery("select " + ENDPOINT + " from webhook_endpoint where tenant_id = $1 order by id desc")
                .execute(Tuple.of(tenantId)).map(rows -> {
                    List<Endpoint> list = new ArrayList<>();
                    rows.forEach(r -> list.add(Endpoint.from(r)));
                    return list;
                });
    }

    public Uni<Optional<Endpoint>> find(UUID tenantId, UUID id) {
        return pool.preparedQuery("select " + ENDPOINT + " from webhook_endpoint where tenant_id = $1 and id = $2")
                .execute(Tuple.of(tenantId, id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Endpoint.from(rows.iterator().next())));
    }

    /** Deletes an endpoint and its deliveries (pending ones are not sent); false when there is none. */
    public Uni<Boolean> delete(UUID tenantId, UUID id) {
        return pool.preparedQuery("delete from webhook_endpoint where tenant_id = $1 and id = $2")
                .execute(Tuple.of(tenantId, id)).map(r -> r.rowCount() == 1);
    }

    /** Deliveries of an endpoint, newest first, before the cursor's (created_at, id); one more than limit. */
    public Uni<List<Delivery>> deliveries(UUID endpointId, OffsetDateTime beforeTime, UUID beforeId, int limit) {
        String sql = "select " + DELIVERY + " from webhook_delivery where endpoint_id = $1"
                + (beforeTime == null ? "" : " and (created_at, id) < ($3, $4)") + " order by created_at desc, id desc limit $2";
        Tuple args = beforeTime == null ? Tuple.of(endpointId, limit + 1) : Tuple.of(endpointId, limit + 1, beforeTime, beforeId);
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<Delivery> list = new ArrayList<>();
            rows.forEach(r -> list.add(Delivery.from(r)));
            return list;
        });
    }

    /** Claims up to {@code n} due deliveries for {@code lease}: they are due again after it unless settled. */
    public Uni<List<Claimed>> claim(int n, Duration lease) {
        return pool.preparedQuery("""
                        with next as (
                          select id from webhook_delivery
                           where status = 'pending' and next_attempt_at <= now()
                           order by next_attempt_at, id limit $1
                             for update skip locked)
                        update webhook_delivery d
                           set attempts = d.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
                          from next, webhook_endpoint w
                         where d.id = next.id and w.id = d.endpoint_id
                        returning d.id, d.tenant_id, d.export_id, d.event_type, d.attempts, d.created_at, w.url, w.secret""")
                .execute(Tuple.of(n, lease.toMillis())).map(rows -> {
                    List<Claimed> list = new ArrayList<>();
                    rows.forEach(r -> list.add(new Claimed(r.getUUID("id"), r.getUUID("tenant_id"), r.getUUID("export_id"),
                            r.getString("event_type"), r.getInteger("attempts"), r.getOffsetDateTime("created_at"),
                            r.getString("url"), r.getString("secret"))));
                    return list;
                });
    }

    /**
     * Records an attempt's result: delivered; or, with {@code retryAfter}, pending until then; or, without,
     * failed for good. False when the fence rejects it (a newer attempt owns the delivery).
     */
    public Uni<Boolean> settle(Claimed c, boolean delivered, Integer responseStatus, String error, Duration retryAfter) {
        String status = delivered ? "delivered" : retryAfter != null ? "pending" : "failed";
        return pool.preparedQuery("""
                        update webhook_delivery
                           set status = $3, last_response_status = $4, last_error = $5,
                               next_attempt_at = case when $3 = 'pending' then now() + $6 * interval '1 millisecond'
                                                      else next_attempt_at end,
                               finished_at = case when $3 = 'pending' then null else now() end
                         where id = $1 and attempts = $2 and status = 'pending'""")
                .execute(Tuple.tuple(Arrays.asList(c.id(), c.attempt(), status, responseStatus,
                        error == null ? null : error.length() > 500 ? error.substring(0, 500) : error,
                        retryAfter == null ? 0L : retryAfter.toMillis())))
                .map(r -> r.rowCount() == 1);
    }

    /** Deletes finished deliveries older than {@code keep}, in batches; returns how many. */
    public Uni<Integer> purge(Duration keep) {
        return pool.preparedQuery("""
                        delete from webhook_delivery where id in (
                          select id from webhook_delivery
                           where status <> 'pending' and finished_at < now() - $1 * interval '1 millisecond' limit 1000)""")
                .execute(Tuple.of(keep.toMillis())).map(r -> r.rowCount());
    }

    /** Deliveries waiting, for the gauge. */
    public Uni<Long> pending() {
        return pool.query("select count(*) from webhook_delivery where status = 'pending'").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }
}
