package io.outport.tenant;

import io.outport.platform.UuidV7;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/**
 * Tenants found or made by their external id, in one statement each, so that concurrent calls on any
 * replicas (a sign-up flow retried, two first requests of a new tenant) agree on one tenant.
 */
@ApplicationScoped
public class Tenants {

    /** A tenant and whether this call created it. */
    public record Upserted(Tenant tenant, boolean created) {
    }

    private final Pool pool;

    public Tenants(Pool pool) {
        this.pool = pool;
    }

    /**
     * Creates the tenant with {@code externalId} named {@code name}, or renames the existing one: one statement,
     * safe against a concurrent call (the unique index on external_id decides; {@code xmax = 0} tells an insert).
     */
    public Uni<Upserted> upsertByExternalId(String externalId, String name) {
        return pool.preparedQuery("""
                        insert into tenant (id, name, external_id) values ($1, $2, $3)
                        on conflict (external_id) do update set name = excluded.name
                        returning id, name, external_id, destination_external_id, created_at, (xmax = 0) as created""")
                .execute(Tuple.of(UuidV7.next(), name, externalId))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return new Upserted(tenant(r), r.getBoolean("created"));
                });
    }

    private record Cached(UUID id, long until) {
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Cached> byExternalId = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The id of the tenant with {@code externalId}; when there is none and {@code provision}, the tenant is
     * created (named after its external id) — once, whichever replicas race. Found ids are cached for 2 s.
     */
    public Uni<java.util.Optional<UUID>> idOf(String externalId, boolean provision) {
        Cached hit = byExternalId.get(externalId);
        if (hit != null && hit.until - System.nanoTime() > 0) {
            return Uni.createFrom().item(java.util.Optional.of(hit.id));
        }
        Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> found = provision
                ? pool.preparedQuery("with made as (insert into tenant (id, name, external_id) values ($1, $2, $2)"
                        + " on conflict (external_id) do nothing returning id)"
                        + " select id from made union all select id from tenant where external_id = $2")
                        .execute(Tuple.of(UuidV7.next(), externalId))
                : pool.preparedQuery("select id from tenant where external_id = $1").execute(Tuple.of(externalId));
        return found.map(rows -> {
            if (rows.size() == 0) {
                return java.util.Optional.<UUID>empty();
            }
            UUID id = rows.iterator().next().getUUID("id");
            if (byExternalId.size() > 100_000) {
                byExternalId.clear();
            }
            byExternalId.put(externalId, new Cached(id, System.nanoTime() + 2_000_000_000L));
            return java.util.Optional.of(id);
        });
    }

    private static Tenant tenant(Row r) {
        Tenant t = new Tenant();
        t.id = r.getUUID("id");
        t.name = r.getString("name");
        t.externalId = r.getString("external_id");
        t.destinationExternalId = r.getString("destination_external_id");
        t.createdAt = r.getOffsetDateTime("created_at");
        return t;
    }
}
