package io.outport.export.worker;

import io.outport.export.ExportFile;
import io.outport.export.ExportRepository;
import io.outport.export.queue.ExportQueue;
import io.outport.export.storage.ExportStorage;
import io.outport.platform.Failures;
import io.outport.platform.OutportConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The queue's maintenance services, each a periodic job with one purpose, run on every replica (all of
 * them are safe to run concurrently: SKIP LOCKED and guarded updates):
 * <ul>
 *   <li>rescuer: processing exports whose lease expired go back to the queue, or fail;</li>
 *   <li>cleaner: uploads and objects of attempts that did not complete are aborted and deleted;</li>
 *   <li>reaper: completed exports past retention lose their files and become expired; failed and canceled
 *   exports lose the parts they had finished in Outport's bucket (those in a tenant's stay, listed); portal codes a day past their expiry are deleted;</li>
 *   <li>sweeper: a safety net aborting any multipart upload under exports/ older than a day;</li>
 *   <li>fleet: queued exports no live worker serves are marked (their message says so) and fail once
 *   OUTPORT_EXPORTS_UNSERVED_TIMEOUT passes; rows of processes that stopped heartbeating are pruned;</li>
 *   <li>sampler: queue depth and live workers for the Prometheus gauges.</li>
 * </ul>
 */
@ApplicationScoped
public class Maintenance {

    private static final Logger LOG = Logger.getLogger(Maintenance.class);

    private final OutportConfig config;
    private final ExportQueue queue;
    private final ExportRepository exports;
    private final ExportStorage storage;
    private final ExportRunner runner;
    private final ExportWorker worker;
    private final ExportMetrics metrics;
    private final Vertx vertx;
    private final io.outport.fleet.WorkerRegistry registry;
    private final io.outport.tenant.PortalCodes portalCodes;
    private volatile boolean stopped;

    public Maintenance(OutportConfig config, ExportQueue queue, ExportRepository exports, ExportStorage storage,
                       ExportRunner runner, ExportWorker worker, ExportMetrics metrics, Vertx vertx,
                       io.outport.fleet.WorkerRegistry registry, io.outport.tenant.PortalCodes portalCodes) {
        this.registry = registry;
        this.portalCodes = portalCodes;
        this.config = config;
        this.queue = queue;
        this.exports = exports;
        this.storage = storage;
        this.runner = runner;
        this.worker = worker;
        this.metrics = metrics;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        Duration lease = config.worker().lease();
        Duration rescueEvery = clamp(lease.dividedBy(3), Duration.ofSeconds(1), Duration.ofSeconds(10));
        every("rescuer", rescueEvery, this::rescue);
        every("cleaner", rescueEvery, this::clean);
        every("fleet", rescueEvery, this::fleet);
        every("reaper", config.exports().reapInterval(), this::reap);
        every("sweeper", Duration.ofHours(1), this::sweep);
        every("sampler", Duration.ofSeconds(5), this::sample);
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    /** Runs {@code job} every {@code period} with ±25 % jitter, never two runs of it at once. */
    private void every(String name, Duration period, Supplier<Uni<Void>> job) {
        AtomicBoolean busy = new AtomicBoolean();
        long base = period.toMillis();
        long delay = Math.max(100, base * 3 / 4 + ThreadLocalRandom.current().nextLong(Math.max(1, base / 2)));
        vertx.setTimer(delay, t -> {
            if (stopped) {
                return;
            }
            if (busy.compareAndSet(false, true)) {
                job.get().subscribe().with(v -> busy.set(false), e -> {
                    busy.set(false);
                    LOG.debugf("%s: %s", name, Failures.describe(e));
                });
            }
            every(name, period, job);
        });
    }

    Uni<Void> rescue() {
        return queue.rescue().invoke(rescued -> {
            if (!rescued.isEmpty()) {
                metrics.rescued(rescued.size());
                LOG.warnf("rescued %d export(s) with expired leases: %s", rescued.size(), rescued);
                worker.trigger();
            }
        }).replaceWithVoid();
    }

    Uni<Void> fleet() {
        return registry.prune()
                .chain(queue::markUnserved)
                .chain(() -> queue.failUnserved(config.exports().unservedTimeout()))
                .invoke(failed -> {
                    if (!failed.isEmpty()) {
                        LOG.warnf("failed %d export(s) no live worker served for %s: %s", failed.size(),
                                config.exports().unservedTimeout(), failed);
                    }
                }).replaceWithVoid();
    }

    Uni<Void> clean() {
        return queue.strays(200).chain(strays -> Multi.createFrom().iterable(strays.entrySet())
                .onItem().transformToUniAndConcatenate(e -> runner.discard(e.getKey(), e.getValue()))
                .collect().last().replaceWithVoid());
    }

    Uni<Void> reap() {
        return exports.pastRetention(100).chain(ids -> deleteFiles(ids, exports::markExpired))
                .chain(() -> exports.abandonedWithFiles(100))
                .chain(ids -> deleteFiles(ids, exports::forgetFiles))
                .chain(portalCodes::purge).replaceWithVoid();
    }

    /** Deletes the stored files (in Outport's bucket) of each export, one export after the other, then records it with {@code then}. */
    private Uni<Void> deleteFiles(List<java.util.UUID> ids, java.util.function.Function<java.util.UUID, Uni<Void>> then) {
        return Multi.createFrom().iterable(ids)
                .onItem().transformToUniAndConcatenate(id -> exports.files(id)
                        // Parts delivered into a tenant's bucket are the tenant's: never deleted, only forgotten.
                        .chain(files -> storage.delete(files.stream().filter(f -> f.location() == null)
                                .map(ExportFile::objectKey).toList()))
                        .chain(() -> then.apply(id)))
                .collect().last().replaceWithVoid();
    }

    Uni<Void> sweep() {
        Instant dayAgo = Instant.now().minus(Duration.ofDays(1));
        return storage.openUploads("exports/").chain(uploads -> Multi.createFrom().iterable(uploads)
                .select().where(u -> u.initiated() != null && u.initiated().isBefore(dayAgo))
                .onItem().transformToUniAndConcatenate(u -> storage.abortMultipart(u.key(), u.uploadId()))
                .collect().last().replaceWithVoid());
    }

    Uni<Void> sample() {
        return queue.depth().invoke(metrics::depth).chain(registry::countByRole).invoke(metrics::workers).replaceWithVoid();
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }
}
