package io.outport.export;

import io.outport.platform.ApiException;
import io.outport.platform.Json;
import io.outport.platform.OutportConfig;
import io.outport.platform.UuidV7;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of the export resource as clients see it: create (with idempotency and the queued quota),
 * read, list, cancel and the part files. The queue's own SQL is in {@code ExportQueue}.
 */
@ApplicationScoped
public class ExportRepository {

    /** Channel a new export is announced on (delivered at commit); workers LISTEN to it. */
    public static final String QUEUE_CHANNEL = "outport_exports";
    /** Channel carrying the id of an export whose cancellation was requested while processing. */
    public static final String CONTROL_CHANNEL = "outport_control";

    /** The outcome of a create: the export and whether this request created it. */
    public record Created(Export export, boolean created) {
    }

    /**
     * The export records the fingerprint of the declaration it was validated against; it is unserved from the
     * start when no live worker serves that declaration (the message says so at once).
     */
    private static final String INSERT = "insert into export (id, tenant_id, dataset, format, compression, filters,"
            + " fields, max_file_bytes, max_attempts, idempotency_key, request_hash, since_export, since_mark, fingerprint,"
            + " destination_id, unserved_since) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
            + " case when " + io.outport.fleet.WorkerRegistry.served("$3::text", "$14::text", "$15::uuid") + " then null else now() end) returning "
            + Export.COLUMNS;

    private final Pool pool;
    private final OutportConfig config;

    public ExportRepository(Pool pool, OutportConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** {@code fingerprint}: of the dataset's declaration as the request was validated ({@code Fingerprint}). */
    public Uni<Created> create(UUID tenantId, ExportSpec spec, String fingerprint, String idempotencyKey) {
        byte[] hash = spec.hash();
        return pool.withTransaction(tx ->
                // Serialises creates of one tenant: the quota and the idempotency check stay exact.
                tx.preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 1))")
                        .execute(Tuple.of(tenantId.toString()))
                        .chain(() -> idempotencyKey == null ? Uni.createFrom().nullItem() : findByKey(tx, tenantId, idempotencyKey))
                        .chain(existing -> {
                            if (existing != null) {
                                if (!Arrays.equals(existing.getBuffer("request_hash").getBytes(), hash)) {
                                    throw new ApiException(422, "idempotency_key_reused", "Idempotency key reused",
                                            "This Idempotency-Key was used with a different request body", null,
                                            java.util.Map.of());
                                }
                                return Uni.createFrom().item(new Created(Export.from(existing), false));
                            }
                            return insert(tx, tenantId, spec, fingerprint, idempotencyKey, hash);
                        }));
    }

    private Uni<Row> findByKey(SqlConnection tx, UUID tenantId, String key) {
        return tx.preparedQuery("select " + Export.COLUMNS + ", request_hash from export"
                        + " where tenant_id = $1 and idempotency_key = $2")
                .execute(Tuple.of(tenantId, key))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
    }

    private Uni<Created> insert(SqlConnection tx, UUID tenantId, ExportSpec spec, String fingerprint, String key, byte[] hash) {
        int quota = config.exports().maxQueuedPerTenant();
        return tx.preparedQuery("select count(*) as n from export where tenant_id = $1 and status = 'queued'")
                .execute(Tuple.of(tenantId))
                .chain(rows -> {
                    long queued = rows.iterator().next().getLong("n");
                    if (queued >= quota) {
                        throw ApiException.tooMany("too_many_exports", "Too many exports",
                                "This tenant already has " + queued + " queued exports (limit " + quota
                                        + "); wait for some to finish", 30);
                    }
                    Tuple args = Tuple.tuple(List.of(UuidV7.next(), tenantId, spec.dataset(), spec.format(),
                            spec.compression(), new JsonObject(Json.write(spec.filters())),
                            new JsonArray(spec.fields()), spec.maxFileBytes(), config.worker().maxAttempts()));
                    args.addValue(key);
                    args.addValue(key == null ? null : io.vertx.core.buffer.Buffer.buffer(hash));
                    args.addValue(spec.since());
                    args.addValue(spec.sinceMark());
                    args.addValue(fingerprint);
                    args.addValue(spec.destination());
                    return tx.preparedQuery(INSERT).execute(args);
                })
                .call(() -> tx.query("select pg_notify('" + QUEUE_CHANNEL + "', '')").execute())
                .map(rows -> new Created(Export.from(rows.iterator().next()), true));
    }

    public Uni<Optional<Export>> find(UUID tenantId, UUID id) {
        return pool.preparedQuery("select " + Export.COLUMNS + " from export where tenant_id = $1 and id = $2")
                .execute(Tuple.of(tenantId, id)).map(ExportRepository::first);
    }

    /** An export whatever its tenant: only for {@link ExportReads}, which checks the tenant. */
    Uni<Optional<Export>> findAnyTenant(UUID id) {
        return pool.preparedQuery("select " + Export.COLUMNS + " from export where id = $1")
                .execute(Tuple.of(id)).map(ExportRepository::first);
    }

    /** Newest first; {@code before} is the id of the previous page's last export. */
    public Uni<List<Export>> page(UUID tenantId, ExportStatus status, UUID before, int limit) {
        StringBuilder sql = new StringBuilder("select " + Export.COLUMNS + " from export where tenant_id = $1");
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (status != null) {
            args.add(status.name());
            sql.append(" and status = $").append(args.size());
        }
        if (before != null) {
            args.add(before);
            sql.append(" and id < $").append(args.size());
        }
        args.add(limit + 1);
        sql.append(" order by id desc limit $").append(args.size());
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(rows -> {
            List<Export> list = new ArrayList<>(rows.size());
            rows.forEach(r -> list.add(Export.from(r)));
            return list;
        });
    }

    /**
     * Cancels a queued export at once, or flags a processing one for its worker (which is told through
     * the control channel and also sees the flag on its next heartbeat). Empty when the export is not
     * cancelable or does not exist.
     */
    public Uni<Optional<Export>> cancel(UUID tenantId, UUID id) {
        String sql = """
                with changed as (
                  update export
                     set status = case when status = 'queued' then 'canceled' else status end,
                         finished_at = case when status = 'queued' then now() else finished_at end,
                         cancel_requested = true
                   where tenant_id = $1 and id = $2 and status in ('queued', 'processing')
                  returning %s)
                select changed.*, case when changed.status = 'processing'
                                       then pg_notify('%s', changed.id::text) end as notified
                  from changed""".formatted(Export.COLUMNS, CONTROL_CHANNEL);
        return pool.preparedQuery(sql).execute(Tuple.of(tenantId, id)).map(ExportRepository::first);
    }

    public Uni<List<ExportFile>> files(UUID exportId) {
        return files(pool, exportId);
    }

    /** The finished parts of an export, in order (all of them once completed; so far while processing). */
    public static Uni<List<ExportFile>> files(Pool pool, UUID exportId) {
        return pool.preparedQuery("select part, object_key, rows, size_bytes, sha256, last_time, last_id, location from export_file"
                        + " where export_id = $1 order by part")
                .execute(Tuple.of(exportId)).map(rows -> {
                    List<ExportFile> files = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        files.add(new ExportFile(r.getInteger("part"), r.getString("object_key"), r.getLong("rows"),
                                r.getLong("size_bytes"), r.getString("sha256"), r.getString("last_time"),
                                r.getString("last_id"), r.getString("location")));
                    }
                    return files;
                });
    }

    /**
     * Failed or canceled exports that still have finished parts in Outport's bucket (kept while they ran):
     * their files are deleted, as nothing can download them any more. Read from the parts, which only exports
     * with files have. Parts delivered into a tenant's bucket stay there and stay listed.
     */
    public Uni<List<UUID>> abandonedWithFiles(int limit) {
        return ids("select distinct f.export_id as id from export_file f join export e on e.id = f.export_id"
                + " where e.status in ('failed', 'canceled') and f.location is null limit $1", limit);
    }

    /** Forgets the files of a failed or canceled export once they are deleted from Outport's bucket. */
    public Uni<Void> forgetFiles(UUID id) {
        return pool.preparedQuery("delete from export_file f using export e where f.export_id = $1 and e.id = f.export_id"
                        + " and e.status in ('failed', 'canceled') and f.location is null")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    /** Completed exports past their retention, oldest first. */
    public Uni<List<UUID>> pastRetention(int limit) {
        return ids("select id from export where status = 'completed' and expires_at <= now()"
                + " order by expires_at limit $1", limit);
    }

    /** The {@code id} column of a query bound with a limit. */
    private Uni<List<UUID>> ids(String sql, int limit) {
        return pool.preparedQuery(sql).execute(Tuple.of(limit)).map(rows -> {
            List<UUID> ids = new ArrayList<>();
            rows.forEach(r -> ids.add(r.getUUID("id")));
            return ids;
        });
    }

    /** Marks an export expired once its files are deleted, and forgets the files. */
    public Uni<Void> markExpired(UUID id) {
        return pool.withTransaction(tx -> tx.preparedQuery(
                        "update export set status = 'expired' where id = $1 and status = 'completed'")
                .execute(Tuple.of(id))
                .chain(() -> tx.preparedQuery("delete from export_file where export_id = $1").execute(Tuple.of(id)))
                .replaceWithVoid());
    }

    private static Optional<Export> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(Export.from(rows.iterator().next()));
    }
}
