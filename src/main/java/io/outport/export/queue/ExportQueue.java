package io.outport.export.queue;

import io.outport.export.Export;
import io.outport.export.ExportFile;
import io.outport.export.ExportRepository;
import io.outport.fleet.WorkerRegistry;
import io.outport.platform.OutportConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * All SQL of the export queue: claim, heartbeat, the fenced end states of an attempt, hand-back, the
 * rescue of expired leases and the queue's gauges. Every write about a running export carries the fence
 * {@code status = 'processing' and attempt = $n and lease_owner = $me}; zero rows means the lease is lost.
 * Times come from the database clock ({@code now()}), never from the workers'.
 */
@ApplicationScoped
public class ExportQueue {

    /** A constant advisory lock that serialises claims so the per-tenant running cap is exact. */
    private static final long CLAIM_LOCK = 0x6f7574706f7274L;

    private static final String FENCE = " and status = 'processing' and attempt = $2 and lease_owner = $3";

    /** Exponential backoff with jitter: about 2, 4, 8 … seconds, at most 5 minutes. */
    private static final String BACKOFF = "now() + least(300, power(2, attempt)) * (0.75 + random() / 2) * interval '1 second'";

    private static final String CLAIM = """
            with running as (
              select tenant_id, count(*) as n from export where status = 'processing' group by tenant_id
            ), ranked as (
              select e.id, e.run_at, e.tenant_id,
                     row_number() over (partition by e.tenant_id order by e.run_at, e.id) as rn
                from export e
               where e.status = 'queued' and e.run_at <= now()
                 -- Only exports of a dataset this worker serves as declared when the export was validated (an
                 -- export created by 0.1.0 has no fingerprint: served by whoever knows the dataset's name).
                 -- Filtered before ranking, so what others must serve never takes this worker's fairness slots.
                 and exists (select 1 from unnest($5::text[], $6::text[]) s (name, fp)
                              where s.name = e.dataset and s.fp = coalesce(e.fingerprint, s.fp))
                 -- An export to a destination: only by a worker holding the key its credentials were sealed with
                 -- (the database refuses it to any other: trigger export_destination_claim).
                 and (e.destination_id is null or exists (select 1 from destination d
                      where d.id = e.destination_id and d.secret_key_id = any ($7::text[])))
            ), eligible as (
              select r.id from ranked r left join running c on c.tenant_id = r.tenant_id
               where r.rn + coalesce(c.n, 0) <= $3
               order by r.run_at, r.id
               limit $2
            ), next as (
              select e.id from export e join eligible using (id)
               where e.status = 'queued'
                 for update of e skip locked
            )
            update export j
               set status = 'processing', attempt = j.attempt + 1, lease_owner = $1,
                   lease_expires_at = now() + $4 * interval '1 millisecond',
                   started_at = coalesce(j.started_at, now()), attempt_started_at = now(), rows_estimated = null,
                   unserved_since = null,
                   -- What earlier attempts finished is kept: progress starts from the kept parts.
                   progress_rows = kept.rows, progress_bytes = kept.bytes, attempt_rows = kept.rows
              from next, lateral (select coalesce(sum(f.rows), 0)::bigint as rows, coalesce(sum(f.size_bytes), 0)::bigint as bytes
                                    from export_file f where f.export_id = next.id) kept
             where j.id = next.id
            returning %s""".formatted(prefixed("j"));

    private final Pool pool;
    private final OutportConfig config;
    private final String[] servedNames;
    private final String[] servedFingerprints;
    private final String[] secretKeys;

    public ExportQueue(Pool pool, OutportConfig config, io.outport.dataset.Datasets datasets,
                       io.outport.destination.SecretBox secrets) {
        this.pool = pool;
        this.config = config;
        this.servedNames = datasets.fingerprints().keySet().toArray(String[]::new);
        this.servedFingerprints = datasets.fingerprints().values().toArray(String[]::new);
        this.secretKeys = secrets.keyIds().toArray(String[]::new);
    }

    /**
     * Claims up to {@code free} due exports for {@code owner}, respecting the per-tenant running cap, among the
     * exports whose (dataset, fingerprint) this process serves.
     */
    @io.opentelemetry.instrumentation.annotations.WithSpan("outport.claim")
    public Uni<List<Claimed>> claim(String owner, int free) {
        return pool.withTransaction(tx -> tx.preparedQuery("select pg_advisory_xact_lock($1)")
                .execute(Tuple.of(CLAIM_LOCK))
                .chain(() -> tx.preparedQuery(CLAIM).execute(Tuple.tuple(List.of(owner, free,
                        config.exports().maxRunningPerTenant(), config.worker().lease().toMillis(), servedNames,
                        servedFingerprints, secretKeys)))))
                .map(rows -> {
                    List<Claimed> claimed = new ArrayList<>(rows.size());
                    rows.forEach(r -> claimed.add(new Claimed(Export.from(r), owner)));
                    return claimed;
                });
    }

    /**
     * Renews the lease and records progress: rows and bytes so far and, once counted, the rows of the
     * attempt's snapshot ({@code estimated}, null until known). The percentage only ever grows and stays
     * below 100 until completion. Empty: the lease is lost. True: cancellation was requested.
     */
    public Uni<java.util.Optional<Boolean>> heartbeat(Claimed c, long rows, long bytes, Long estimated) {
        return heartbeat(c, rows, bytes, estimated, null);
    }

    /**
     * The same, recording the export's mark (what its first attempt reads) unless one is recorded already:
     * written before the first row is read, so that every later attempt reads the same rows.
     */
    public Uni<java.util.Optional<Boolean>> heartbeat(Claimed c, long rows, long bytes, Long estimated, String mark) {
        return pool.preparedQuery("""
                        update export set lease_expires_at = now() + $4 * interval '1 millisecond', mark = coalesce(mark, $8),
                               progress_rows = $5, progress_bytes = $6, rows_estimated = coalesce($7, rows_estimated),
                               progress_percent = greatest(progress_percent, case when coalesce($7, rows_estimated) > 0
                                   then least(99, floor(100.0 * $5 / coalesce($7, rows_estimated))) else 0 end)
                         where id = $1""" + FENCE + " returning cancel_requested")
                .execute(Tuple.tuple(java.util.Arrays.asList(c.export().id(), c.attempt(), c.owner(),
                        config.worker().lease().toMillis(), rows, bytes, estimated, mark)))
                .map(r -> r.size() == 0 ? java.util.Optional.empty()
                        : java.util.Optional.of(r.iterator().next().getBoolean("cancel_requested")));
    }

    /** Registers an object before its first byte is written; false when the lease is lost. */
    public Uni<Boolean> registerObject(Claimed c, String key, String uploadId) {
        return pool.preparedQuery("""
                        insert into export_object (export_id, attempt, object_key, upload_id)
                        select id, attempt, $4, $5 from export where id = $1""" + FENCE + """
                        \s on conflict (export_id, object_key) do update set upload_id = excluded.upload_id""")
                .execute(Tuple.of(c.export().id(), c.attempt(), c.owner(), key, uploadId))
                .map(r -> r.rowCount() == 1);
    }

    /**
     * Objects of earlier attempts of this export. Only earlier ones: a stale worker that starts late must
     * never delete what the attempt that replaced it is writing.
     */
    public Uni<List<StrayObject>> strayObjects(UUID exportId, int attempt) {
        return pool.preparedQuery("select o.object_key, o.upload_id, e.destination_id from export_object o"
                        + " join export e on e.id = o.export_id where o.export_id = $1 and o.attempt < $2")
                .execute(Tuple.of(exportId, attempt)).map(rows -> {
                    List<StrayObject> list = new ArrayList<>();
                    rows.forEach(r -> list.add(StrayObject.from(r)));
                    return list;
                });
    }

    /** Forgets registered objects once they are aborted and deleted. */
    public Uni<Void> forgetObjects(UUID exportId, List<String> keys) {
        return pool.preparedQuery("delete from export_object where export_id = $1 and object_key = any($2)")
                .execute(Tuple.of(exportId, keys.toArray(String[]::new))).replaceWithVoid();
    }

    /**
     * Records a finished part, fenced, in one transaction with the progress it brings: from then on it is
     * listed and downloadable, kept by any later attempt, and no longer an object a failed attempt leaves
     * behind (its registration is forgotten). False when the fence rejects it.
     */
    public Uni<Boolean> recordPart(Claimed c, ExportFile f, long rows, long bytes) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                        update export set progress_rows = greatest(progress_rows, $4), progress_bytes = greatest(progress_bytes, $5)
                         where id = $1""" + FENCE + " returning pg_notify('outport_export_changed', id::text)")
                .execute(Tuple.of(c.export().id(), c.attempt(), c.owner(), rows, bytes))
                .chain(updated -> {
                    if (updated.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    return tx.preparedQuery("""
                                    insert into export_file (export_id, part, object_key, rows, size_bytes, sha256, last_time, last_id, location)
                                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""")
                            .execute(Tuple.tuple(java.util.Arrays.asList(c.export().id(), f.part(), f.objectKey(), f.rows(),
                                    f.sizeBytes(), f.sha256(), f.lastTime(), f.lastId(), f.location())))
                            .chain(() -> tx.preparedQuery("delete from export_object where export_id = $1 and object_key = $2")
                                    .execute(Tuple.of(c.export().id(), f.objectKey())))
                            .replaceWith(true);
                }));
    }

    /**
     * Completes the attempt: the totals are those of the recorded parts (every part is recorded as it
     * finishes, by whichever attempt wrote it). False when the fence rejects it.
     */
    public Uni<Boolean> complete(Claimed c) {
        long retentionMillis = config.exports().retention().toMillis();
        return pool.withTransaction(tx -> tx.preparedQuery("""
                        with kept as (select coalesce(sum(rows), 0)::bigint as rows, coalesce(sum(size_bytes), 0)::bigint as bytes
                                        from export_file where export_id = $1)
                        update export set status = 'completed', finished_at = now(),
                               expires_at = now() + $4 * interval '1 millisecond', row_count = kept.rows,
                               file_size_bytes = kept.bytes, progress_rows = kept.rows, progress_bytes = kept.bytes,
                               progress_percent = 100, rows_estimated = coalesce(rows_estimated, kept.rows),
                               lease_owner = null, lease_expires_at = null, error_code = null, error_message = null
                          from kept
                         where id = $1""" + FENCE + " returning id")
                .execute(Tuple.of(c.export().id(), c.attempt(), c.owner(), retentionMillis))
                .chain(updated -> {
                    if (updated.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    return tx.preparedQuery("delete from export_object where export_id = $1 and attempt = $2")
                            .execute(Tuple.of(c.export().id(), c.attempt())).replaceWith(true);
                }));
    }

    /** The parts earlier attempts finished, in order: what a new attempt keeps. */
    public Uni<List<ExportFile>> keptParts(UUID exportId) {
        return ExportRepository.files(pool, exportId);
    }

    /**
     * Ends a failed attempt: queued again after a backoff when {@code retry} and attempts remain, else
     * failed with the error. False when the fence rejects it.
     */
    public Uni<Boolean> fail(Claimed c, boolean retry, String code, String message) {
        return pool.preparedQuery("""
                        update export set
                               status = case when $4 and attempt < max_attempts then 'queued' else 'failed' end,
                               run_at = case when $4 and attempt < max_attempts then %s else run_at end,
                               finished_at = case when $4 and attempt < max_attempts then null else now() end,
                               error_code = $5, error_message = $6, lease_owner = null, lease_expires_at = null
                         where id = $1""".formatted(BACKOFF) + FENCE + " returning id")
                .execute(Tuple.tuple(List.of(c.export().id(), c.attempt(), c.owner(), retry, code, message)))
                .map(r -> r.size() == 1);
    }

    /** Ends an attempt whose cancellation was requested. */
    public Uni<Boolean> canceled(Claimed c) {
        return pool.preparedQuery("update export set status = 'canceled', finished_at = now(), lease_owner = null,"
                        + " lease_expires_at = null where id = $1" + FENCE + " returning id")
                .execute(Tuple.of(c.export().id(), c.attempt(), c.owner())).map(r -> r.size() == 1);
    }

    /** Hands an export back at shutdown: queued again at once, this attempt not counted. */
    public Uni<Boolean> release(Claimed c) {
        return pool.preparedQuery("update export set status = 'queued', attempt = attempt - 1, run_at = now(),"
                        + " lease_owner = null, lease_expires_at = null where id = $1" + FENCE
                        + " returning pg_notify('" + ExportRepository.QUEUE_CHANNEL + "', '')")
                .execute(Tuple.of(c.export().id(), c.attempt(), c.owner())).map(r -> r.size() == 1);
    }

    /**
     * Rescues processing exports whose lease expired: canceled if cancellation was requested, failed when
     * attempts are used up, else queued again after a backoff. Returns the ids and new states.
     */
    public Uni<Map<UUID, String>> rescue() {
        return pool.query("""
                        with stuck as (
                          select id from export where status = 'processing' and lease_expires_at < now()
                             for update skip locked)
                        update export e set
                               status = case when e.cancel_requested then 'canceled'
                                             when e.attempt >= e.max_attempts then 'failed' else 'queued' end,
                               run_at = case when e.cancel_requested or e.attempt >= e.max_attempts then e.run_at
                                             else %s end,
                               finished_at = case when e.cancel_requested or e.attempt >= e.max_attempts then now() end,
                               error_code = case when e.cancel_requested then e.error_code else 'worker_lost' end,
                               error_message = case when e.cancel_requested then e.error_message
                                   else 'The worker processing this export stopped responding (crash or network loss) '
                                        || e.attempt || ' time(s); attempts are used up. Create the export again.' end,
                               lease_owner = null, lease_expires_at = null
                          from stuck where e.id = stuck.id
                        returning e.id, e.status""".formatted(BACKOFF.replace("attempt", "e.attempt")))
                .execute().map(rows -> {
                    Map<UUID, String> rescued = new java.util.LinkedHashMap<>();
                    rows.forEach(r -> rescued.put(r.getUUID("id"), r.getString("status")));
                    return rescued;
                });
    }

    /**
     * Objects left by attempts that will never complete: every registered object of an export that is not
     * processing (the completing attempt forgets its own), and those of older attempts of one that is.
     */
    public Uni<Map<UUID, List<StrayObject>>> strays(int limit) {
        return pool.preparedQuery("""
                        select o.export_id, o.object_key, o.upload_id, e.destination_id
                          from export_object o join export e on e.id = o.export_id
                         where (e.status <> 'processing' or o.attempt <> e.attempt)
                           -- in a tenant's bucket: only a process that can open the destination's credentials
                           and (e.destination_id is null or exists (select 1 from destination d
                                where d.id = e.destination_id and d.secret_key_id = any ($2::text[])))
                         limit $1""")
                .execute(Tuple.of(limit, secretKeys)).map(rows -> {
                    Map<UUID, List<StrayObject>> strays = new java.util.LinkedHashMap<>();
                    rows.forEach(r -> strays.computeIfAbsent(r.getUUID("export_id"), k -> new ArrayList<>())
                            .add(StrayObject.from(r)));
                    return strays;
                });
    }

    /**
     * Keeps {@code unserved_since} true to the registry: set on queued exports no live worker serves (as
     * declared when they were created), cleared when one does again. Each change is announced, so a follower
     * sees the waiting message at once. Returns how many changed.
     */
    public Uni<Integer> markUnserved() {
        String served = WorkerRegistry.served("e.dataset", "e.fingerprint", "e.destination_id");
        return pool.query("update export e set unserved_since = now() where e.status = 'queued' and e.unserved_since is null"
                        + " and not " + served + " returning pg_notify('outport_export_changed', e.id::text)")
                .execute()
                .chain(set -> pool.query("update export e set unserved_since = null where e.status = 'queued'"
                                + " and e.unserved_since is not null and " + served
                                + " returning pg_notify('outport_export_changed', e.id::text)")
                        .execute().map(cleared -> set.rowCount() + cleared.rowCount()));
    }

    /**
     * Fails the queued exports that no live worker has served for {@code timeout}: {@code dataset_unavailable}.
     * Never one a live worker serves now, however long it waited. Returns their ids.
     */
    public Uni<List<UUID>> failUnserved(java.time.Duration timeout) {
        return pool.preparedQuery("""
                        update export e set status = 'failed', finished_at = now(), unserved_since = null,
                               error_code = 'dataset_unavailable',
                               error_message = case when e.destination_id is null
                                   then 'No worker serving the dataset ''' || e.dataset || ''' as it was declared'
                                   || ' when this export was created has been running for ' || $1 || '. The dataset was'
                                   || ' removed or its declaration changed on every worker; create the export again.'
                                   else 'No worker serving the dataset ''' || e.dataset || ''' as it was declared, and'
                                   || ' holding the OUTPORT_SECRETS_KEY its destination''s credentials were encrypted with,'
                                   || ' has been running for ' || $1 || '; create the export again once one is.' end
                         where e.status = 'queued' and e.unserved_since < now() - $2 * interval '1 millisecond'
                           and not %s
                        returning e.id""".formatted(WorkerRegistry.served("e.dataset", "e.fingerprint", "e.destination_id")))
                .execute(Tuple.of(timeout.toString().substring(2).toLowerCase(java.util.Locale.ROOT), timeout.toMillis()))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getUUID("id")));
                    return ids;
                });
    }

    /** Queue depth by active status and the age of the oldest due queued export, for gauges and scaling. */
    public Uni<Depth> depth() {
        return pool.query("""
                        select count(*) filter (where status = 'queued' and run_at <= now()) as due,
                               count(*) filter (where status = 'queued') as queued,
                               count(*) filter (where status = 'processing') as processing,
                               count(*) filter (where status = 'queued' and unserved_since is not null) as unserved,
                               coalesce(extract(epoch from now() - min(run_at) filter (
                                   where status = 'queued' and run_at <= now())), 0) as oldest
                          from export where status in ('queued', 'processing')""")
                .execute().map(rows -> {
                    Row r = rows.iterator().next();
                    return new Depth(r.getLong("queued"), r.getLong("due"), r.getLong("processing"),
                            r.getDouble("oldest"), r.getLong("unserved"));
                });
    }

    /** Gauge values of the queue; {@code unserved}: queued exports no live worker serves. */
    public record Depth(long queued, long due, long processing, double oldestDueSeconds, long unserved) {
    }

    private static String prefixed(String alias) {
        StringBuilder sb = new StringBuilder();
        for (String col : Export.COLUMNS.split(",")) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(alias).append('.').append(col.trim());
        }
        return sb.toString();
    }
}
