package io.outport.destination;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL of destinations. Every read a tenant makes is filtered by its tenant id. */
@ApplicationScoped
public class DestinationRepository {

    /** Destinations per tenant. */
    public static final int MAX_PER_TENANT = 20;

    /** The outcome of a delete. */
    public enum Deleted { DELETED, NOT_FOUND, IN_USE }

    private final Pool pool;

    public DestinationRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores a checked destination; empty when the tenant already has {@link #MAX_PER_TENANT}. */
    public Uni<Optional<Destination>> create(Destination d) {
        return pool.withTransaction(tx -> tx.preparedQuery("select id from tenant where id = $1 for update")
                .execute(Tuple.of(d.tenantId()))
                .chain(() -> tx.preparedQuery("select count(*) from destination where tenant_id = $1 and deleted_at is null")
                        .execute(Tuple.of(d.tenantId())))
                .chain(count -> count.iterator().next().getLong(0) >= MAX_PER_TENANT
                        ? Uni.createFrom().item(Optional.<Destination>empty())
                        : tx.preparedQuery("""
                                        insert into destination (id, tenant_id, type, bucket, prefix, region, endpoint, path_style,
                                                                 role_arn, external_id, access_key_id, secret, secret_key_id)
                                        values ($1, $2, 's3', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning\s""" + Destination.COLUMNS)
                                .execute(Tuple.tuple(Arrays.asList(d.id(), d.tenantId(), d.bucket(), d.prefix(), d.region(),
                                        d.endpoint(), d.pathStyle(), d.roleArn(), d.externalId(), d.accessKeyId(),
                                        d.secret() == null ? null : io.vertx.core.buffer.Buffer.buffer(d.secret()),
                                        d.secretKeyId())))
                                .map(rows -> Optional.of(Destination.from(rows.iterator().next())))));
    }

    public Uni<List<Destination>> list(UUID tenantId) {
        return pool.preparedQuery("select " + Destination.COLUMNS + " from destination where tenant_id = $1"
                        + " and deleted_at is null order by created_at desc, id desc")
                .execute(Tuple.of(tenantId)).map(rows -> {
                    List<Destination> list = new ArrayList<>();
                    rows.forEach(r -> list.add(Destination.from(r)));
                    return list;
                });
    }

    /** A tenant's live destination; another tenant's is not found. */
    public Uni<Optional<Destination>> find(UUID tenantId, UUID id) {
        return pool.preparedQuery("select " + Destination.COLUMNS + " from destination where id = $1 and tenant_id = $2"
                        + " and deleted_at is null")
                .execute(Tuple.of(id, tenantId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Destination.from(rows.iterator().next())));
    }

    /** Any destination by id, deleted ones too (what a worker writing an export, or maintenance, needs). */
    public Uni<Optional<Destination>> byId(UUID id) {
        return pool.preparedQuery("select " + Destination.COLUMNS + " from destination where id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Destination.from(rows.iterator().next())));
    }

    /**
     * Deletes a destination: its credentials are erased and it can no longer be chosen; the row stays for the
     * exports that name it. Refused while an export to it is queued or running.
     */
    public Uni<Deleted> delete(UUID tenantId, UUID id) {
        return pool.withTransaction(tx -> tx.preparedQuery(
                        "select id from destination where id = $1 and tenant_id = $2 and deleted_at is null for update")
                .execute(Tuple.of(id, tenantId))
                .chain(found -> found.size() == 0 ? Uni.createFrom().item(Deleted.NOT_FOUND)
                        : tx.preparedQuery("select 1 from export where destination_id = $1 and status in ('queued', 'processing') limit 1")
                        .execute(Tuple.of(id))
                        .chain(busy -> busy.size() > 0 ? Uni.createFrom().item(Deleted.IN_USE)
                                : tx.preparedQuery("""
                                                update destination set deleted_at = now(), role_arn = null, external_id = null,
                                                       access_key_id = null, secret = null where id = $1""")
                                        .execute(Tuple.of(id)).replaceWith(Deleted.DELETED))));
    }

    /** A new tenant's external id for its customers' trust policies, as the schema's default makes one. */
    public static String newExternalId() {
        return "outport-" + java.util.HexFormat.of().formatHex(io.outport.platform.Randomness.bytes(16));
    }

    /** The external id Outport generated for the tenant: the default of its role destinations. */
    public Uni<String> externalId(UUID tenantId) {
        return pool.preparedQuery("select destination_external_id from tenant where id = $1").execute(Tuple.of(tenantId))
                .map(rows -> rows.iterator().next().getString(0));
    }
}
