package io.outport.fleet;

import io.outport.dataset.Datasets;
import io.outport.platform.Failures;
import io.outport.platform.OutportConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's registry (table {@code worker}): every process registers itself at start-up (id, host, version,
 * roles, the datasets it serves or validates against with their fingerprints), renews its row by heartbeat
 * and deletes it at a clean shutdown; a process that stops heartbeating drops out when its row expires (one
 * worker lease after its last beat) and any replica prunes it. The registry answers "does a live worker serve
 * this dataset as declared?" for the claim-side bookkeeping of unserved exports ({@link #served}).
 */
@ApplicationScoped
public class WorkerRegistry {

    private static final Logger LOG = Logger.getLogger(WorkerRegistry.class);

    /** A live process as the registry shows it. */
    public record Worker(String id, String host, String version, List<String> roles, Map<String, String> datasets,
                         OffsetDateTime startedAt, OffsetDateTime heartbeatAt, OffsetDateTime expiresAt) {
    }

    private static final String LIVE = "w.expires_at > now()";

    private final Pool pool;
    private final OutportConfig config;
    private final ProcessIdentity identity;
    private final Datasets datasets;
    private final Vertx vertx;
    private final String version;
    private final io.outport.destination.SecretBox secrets;
    private volatile boolean stopped;
    private long timer = -1;

    public WorkerRegistry(Pool pool, OutportConfig config, ProcessIdentity identity, Datasets datasets, Vertx vertx,
                          @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version,
                          io.outport.destination.SecretBox secrets) {
        this.secrets = secrets;
        this.pool = pool;
        this.config = config;
        this.identity = identity;
        this.datasets = datasets;
        this.vertx = vertx;
        this.version = version;
    }

    /**
     * SQL that is true when a live worker serves the dataset {@code dataset} with the declaration
     * {@code fingerprint} (both SQL expressions); a null fingerprint (an export created by 0.1.0) is served by
     * any live worker that knows the dataset's name. An export to a destination ({@code destination}, an SQL
     * expression, not null) also needs a worker that holds the key its destination's credentials were sealed with.
     */
    public static String served(String dataset, String fingerprint, String destination) {
        return "exists (select 1 from worker w where " + LIVE + " and 'worker' = any (w.roles)"
                + " and w.datasets ->> " + dataset + " = coalesce(" + fingerprint + ", w.datasets ->> " + dataset + ")"
                + " and (" + destination + " is null or exists (select 1 from destination d where d.id = " + destination
                + " and d.secret_key_id = any (w.secret_keys))))";
    }

    void start(@Observes StartupEvent event) {
        beat();
    }

    /** Heartbeats about three times a lease, so a row never expires while its process lives. */
    private Duration period() {
        long third = config.worker().lease().toMillis() / 3;
        return Duration.ofMillis(Math.max(1000, Math.min(10_000, third)));
    }

    private void beat() {
        if (stopped) {
            return;
        }
        register().subscribe().with(v -> schedule(), failure -> {
            LOG.warnf("cannot renew this process's row in the worker registry: %s", Failures.describe(failure));
            schedule();
        });
    }

    private void schedule() {
        if (!stopped) {
            timer = vertx.setTimer(period().toMillis(), t -> beat());
        }
    }

    private List<String> roles() {
        List<String> roles = new ArrayList<>();
        if (config.api().enabled()) {
            roles.add("api");
        }
        if (config.worker().enabled()) {
            roles.add("worker");
        }
        return roles.isEmpty() ? List.of("api") : roles;
    }

    /**
     * Registers or renews this process, and (a worker) takes the unserved mark off the queued exports it serves,
     * telling their followers at once.
     */
    Uni<Void> register() {
        JsonObject served = new JsonObject(new LinkedHashMap<>(datasets.fingerprints()));
        Uni<Void> upsert = pool.preparedQuery("""
                        insert into worker (id, host, version, roles, datasets, expires_at, secret_keys)
                        values ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond', $7)
                        on conflict (id) do update set heartbeat_at = now(), expires_at = excluded.expires_at,
                               roles = excluded.roles, datasets = excluded.datasets, secret_keys = excluded.secret_keys""")
                .execute(Tuple.tuple(List.of(identity.id(), identity.host(), version, roles().toArray(String[]::new), served,
                        config.worker().lease().toMillis(), secrets.keyIds().toArray(String[]::new))))
                .replaceWithVoid();
        if (!config.worker().enabled()) {
            return upsert;
        }
        return upsert.chain(() -> pool.preparedQuery("""
                        update export e set unserved_since = null
                         where e.status = 'queued' and e.unserved_since is not null
                           and $1::jsonb ->> e.dataset = coalesce(e.fingerprint, $1::jsonb ->> e.dataset)
                           and (e.destination_id is null or exists (select 1 from destination d
                                where d.id = e.destination_id and d.secret_key_id = any ($2::text[])))
                        returning pg_notify('outport_export_changed', e.id::text)""")
                .execute(Tuple.of(served, secrets.keyIds().toArray(String[]::new))).replaceWithVoid());
    }

    /** Leaves the registry at a clean shutdown, after the worker has handed its exports back. */
    void stop(@Observes @Priority(10) ShutdownEvent event) {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        try {
            pool.preparedQuery("delete from worker where id = $1").execute(Tuple.of(identity.id()))
                    .await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debugf("could not leave the worker registry (the row expires on its own): %s", Failures.describe(e));
        }
    }

    /** The live processes, oldest first. */
    public Uni<List<Worker>> live() {
        return pool.query("select id, host, version, roles, datasets, started_at, heartbeat_at, expires_at from worker w"
                        + " where " + LIVE + " order by started_at, id")
                .execute().map(rows -> {
                    List<Worker> list = new ArrayList<>();
                    rows.forEach(r -> {
                        Map<String, String> served = new LinkedHashMap<>();
                        r.getJsonObject("datasets").forEach(e -> served.put(e.getKey(), String.valueOf(e.getValue())));
                        list.add(new Worker(r.getString("id"), r.getString("host"), r.getString("version"),
                                List.of(r.getArrayOfStrings("roles")), served, r.getOffsetDateTime("started_at"),
                                r.getOffsetDateTime("heartbeat_at"), r.getOffsetDateTime("expires_at")));
                    });
                    return list;
                });
    }

    /** Live processes by role, for the {@code outport_workers} gauge. */
    public Uni<Map<String, Long>> countByRole() {
        return pool.query("select count(*) filter (where 'api' = any (w.roles)) as api,"
                        + " count(*) filter (where 'worker' = any (w.roles)) as worker from worker w where " + LIVE)
                .execute().map(rows -> {
                    var r = rows.iterator().next();
                    return Map.of("api", r.getLong("api"), "worker", r.getLong("worker"));
                });
    }

    /** Deletes the rows of processes that stopped heartbeating. */
    public Uni<Integer> prune() {
        return pool.query("delete from worker where expires_at < now()").execute().map(r -> r.rowCount());
    }
}
