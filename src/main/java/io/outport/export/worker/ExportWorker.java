package io.outport.export.worker;

import io.outport.export.ExportRepository;
import io.outport.export.queue.Claimed;
import io.outport.export.queue.ExportQueue;
import io.outport.export.storage.ExportStorage;
import io.outport.platform.Failures;
import io.outport.platform.Notifications;
import io.outport.platform.OutportConfig;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The worker role: claims queued exports up to OUTPORT_WORKER_CONCURRENCY and runs them. Woken by
 * LISTEN/NOTIFY on the replica's one LISTEN connection, {@link Notifications} (claiming once after every (re)connect, since
 * notifications sent during a gap are lost), with a jittered backup poll. Keeps each claimed export's
 * lease alive by heartbeat and stops it on cancel, lost lease or shutdown.
 */
@ApplicationScoped
public class ExportWorker {

    private static final Logger LOG = Logger.getLogger(ExportWorker.class);

    private record Running(Claimed claimed, RunControl control, long startedNanos, long timer, long[] lastBeat) {
    }

    private final OutportConfig config;
    private final ExportQueue queue;
    private final ExportRunner runner;
    private final ExportMetrics metrics;
    private final ExportStorage storage;
    private final Vertx vertx;
    private final String owner;
    private final Notifications notifications;
    private final Map<UUID, Running> running = new ConcurrentHashMap<>();
    private final AtomicBoolean claiming = new AtomicBoolean();
    private volatile boolean again;
    private volatile boolean stopping;
    private volatile boolean started;
    private long pollTimer = -1;

    public ExportWorker(OutportConfig config, ExportQueue queue, ExportRunner runner, ExportMetrics metrics,
                        ExportStorage storage, Vertx vertx, Notifications notifications,
                        io.outport.fleet.ProcessIdentity identity) {
        this.config = config;
        this.queue = queue;
        this.runner = runner;
        this.metrics = metrics;
        this.storage = storage;
        this.vertx = vertx;
        // The lease owner is this process's id in the worker registry: an export's lease_owner names its worker.
        this.owner = identity.id();
        this.notifications = notifications;
    }

    void start(@Observes StartupEvent event) {
        if (!config.worker().enabled()) {
            return;
        }
        started = true;
        notifications.listen(ExportRepository.QUEUE_CHANNEL, payload -> trigger(), this::trigger);
        notifications.listen(ExportRepository.CONTROL_CHANNEL, this::cancelRequested, () -> { });
        schedulePoll();
        LOG.infof("worker %s started: concurrency %d, lease %s", owner, config.worker().concurrency(),
                config.worker().lease());
    }

    private void schedulePoll() {
        long base = config.worker().pollInterval().toMillis();
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base);
        pollTimer = vertx.setTimer(delay, t -> {
            trigger();
            if (!stopping) {
                schedulePoll();
            }
        });
    }

    /** Claims as many exports as there are free slots; called on NOTIFY, poll, reconnect and run end. */
    public void trigger() {
        if (stopping || !started) {
            return;
        }
        if (!storage.bucketChecked()) {
            // Claiming before the bucket is reachable would only burn attempts: check it first.
            storage.bucketReady().subscribe().with(ok -> trigger(),
                    failure -> LOG.warnf("not claiming: the bucket is not reachable (%s)", Failures.describe(failure)));
            return;
        }
        if (!claiming.compareAndSet(false, true)) {
            again = true;
            return;
        }
        again = false;
        int free = config.worker().concurrency() - running.size();
        if (free <= 0) {
            claiming.set(false);
            return;
        }
        queue.claim(owner, free).subscribe().with(claimed -> {
            claimed.forEach(this::launch);
            claiming.set(false);
            if (!claimed.isEmpty() || again) {
                trigger();
            } else if (running.isEmpty() && config.worker().exitWhenIdle()) {
                exitIfDrained();
            }
        }, failure -> {
            claiming.set(false);
            LOG.warnf("claim failed: %s", Failures.describe(failure));
        });
    }

    /** Exits once nothing is queued at all (exports waiting for a retry keep the worker alive). */
    private void exitIfDrained() {
        queue.depth().subscribe().with(depth -> {
            if (depth.queued() == 0 && running.isEmpty() && !stopping) {
                LOG.info("queue is empty and OUTPORT_WORKER_EXIT_WHEN_IDLE is set: exiting");
                stopping = true;
                Quarkus.asyncExit(0);
            }
        }, failure -> LOG.warnf("cannot read the queue depth: %s", Failures.describe(failure)));
    }

    private void launch(Claimed claimed) {
        RunControl control = new RunControl();
        UUID id = claimed.export().id();
        long[] lastBeat = {System.nanoTime()};
        long timer = vertx.setPeriodic(heartbeatMillis(), t -> heartbeat(id));
        Running run = new Running(claimed, control, System.nanoTime(), timer, lastBeat);
        running.put(id, run);
        control.beatWith(() -> heartbeat(id));
        logAbout(id, () -> LOG.infof("export %s: attempt %d started", id, claimed.attempt()));
        runner.run(claimed, control).subscribe().with(outcome -> {
            vertx.cancelTimer(timer);
            running.remove(id);
            Duration took = Duration.ofNanos(System.nanoTime() - run.startedNanos());
            metrics.finished(outcome.name(), claimed.export().spec().format(), took);
            logAbout(id, () -> LOG.infof("export %s: attempt %d ended %s after %d ms", id, claimed.attempt(), outcome,
                    took.toMillis()));
            trigger();
        });
    }

    private long heartbeatMillis() {
        // Progress is written with the heartbeat (and pushed to event streams from there), so it beats
        // about once a second.
        return Math.max(200, Math.min(1000, config.worker().lease().toMillis() / 3));
    }

    private void heartbeat(UUID id) {
        Running run = running.get(id);
        if (run == null) {
            return;
        }
        queue.heartbeat(run.claimed(), run.control().rows(), run.control().bytes(),
                run.control().estimated()).subscribe().with(result -> {
            run.lastBeat()[0] = System.nanoTime();
            if (result.isEmpty()) {
                logAbout(id, () -> LOG.warnf("export %s: lease lost, stopping", id));
                run.control().stop(RunControl.Stop.LEASE_LOST);
            } else if (result.get()) {
                run.control().stop(RunControl.Stop.CANCELED);
            }
        }, failure -> {
            // Without a heartbeat for a whole lease another worker may own the export: stop writing.
            if (System.nanoTime() - run.lastBeat()[0] > config.worker().lease().toNanos()) {
                run.control().stop(RunControl.Stop.LEASE_LOST);
            }
        });
    }

    private void cancelRequested(String payload) {
        try {
            Running run = running.get(UUID.fromString(payload));
            if (run != null) {
                run.control().stop(RunControl.Stop.CANCELED);
            }
        } catch (IllegalArgumentException e) {
            // not an export id: ignore
        }
    }

    /**
     * Logs with {@code export_id} in the MDC, so JSON log lines can be filtered by export. Quarkus keeps
     * the MDC in a duplicated Vert.x context (on event-loop threads) or a thread local (elsewhere); worker
     * callbacks run on root contexts, so the line is logged inside a fresh duplicated one.
     */
    static void logAbout(UUID exportId, Runnable log) {
        io.vertx.core.Context current = io.vertx.core.Vertx.currentContext();
        Runnable withMdc = () -> {
            org.jboss.logging.MDC.put("export_id", exportId.toString());
            try {
                log.run();
            } finally {
                org.jboss.logging.MDC.remove("export_id");
            }
        };
        if (current instanceof io.vertx.core.impl.ContextInternal internal
                && !io.smallrye.common.vertx.VertxContext.isDuplicatedContext(current)) {
            internal.duplicate().dispatch(v -> withMdc.run());
        } else {
            withMdc.run();
        }
    }

    /**
     * On SIGTERM: stop claiming, let running exports finish within the grace period, then hand the rest
     * back (queued again, attempt not counted, uploads aborted).
     */
    void stop(@Observes @Priority(1) ShutdownEvent event) {
        if (!started) {
            return;
        }
        stopping = true;
        if (pollTimer >= 0) {
            vertx.cancelTimer(pollTimer);
        }
        long graceNanos = config.worker().shutdownGrace().toNanos();
        long deadline = System.nanoTime() + graceNanos;
        waitUntilIdle(deadline);
        if (!running.isEmpty()) {
            LOG.infof("handing back %d export(s) at shutdown", running.size());
            running.values().forEach(r -> r.control().stop(RunControl.Stop.SHUTDOWN));
            waitUntilIdle(System.nanoTime() + Duration.ofSeconds(10).toNanos());
        }
    }

    private void waitUntilIdle(long deadlineNanos) {
        while (!running.isEmpty() && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
