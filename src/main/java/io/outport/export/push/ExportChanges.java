package io.outport.export.push;

import io.outport.export.ExportReads;
import io.outport.platform.Failures;
import io.outport.platform.Notifications;
import io.outport.platform.OutportConfig;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans out export changes to this replica's long polls and event streams. The database announces every
 * visible change of an export on {@link #CHANNEL} (a trigger, in the changing transaction, so a change
 * made on any replica arrives here); this replica's one LISTEN connection receives it, and when anyone
 * here follows that export, it is read once and handed to every follower. Reads of one export are
 * serialised (a change that arrives during a read causes one more read afterwards), so followers see its
 * states in order. After the LISTEN connection comes back, every followed export is read again, since
 * notifications sent meanwhile are lost. A follower costs a map entry: no thread, no connection.
 */
@ApplicationScoped
public class ExportChanges {

    public static final String CHANNEL = "outport_export_changed";

    /** Seconds between keep-alive ticks for event streams (proxies close idle connections). */
    public static final long TICK_MILLIS = 15_000;

    private static final Logger LOG = Logger.getLogger(ExportChanges.class);

    /** Someone following an export. Called on an event-loop thread: must not block. */
    public interface Follower {
        void changed(ExportReads.Snapshot snapshot);

        default void tick() {
        }
    }

    private static final class Feed {
        final Set<Follower> followers = ConcurrentHashMap.newKeySet();
        boolean reading;
        boolean again;
    }

    private final Map<UUID, Feed> feeds = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    /** Notifications received (and reconnections of the LISTEN connection): see {@link #notices()}. */
    private final AtomicLong notices = new AtomicLong();
    private final ExportReads reads;
    private final Notifications notifications;
    private final Vertx vertx;
    private final OutportConfig config;

    public ExportChanges(ExportReads reads, Notifications notifications, Vertx vertx, OutportConfig config,
                         io.micrometer.core.instrument.MeterRegistry registry) {
        registry.gauge("outport_export_followers", count);
        this.reads = reads;
        this.notifications = notifications;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        if (!config.api().enabled()) {
            return;
        }
        notifications.listen(CHANNEL, this::notified, this::readAll);
        vertx.setPeriodic(TICK_MILLIS, t -> feeds.values().forEach(f -> f.followers.forEach(Follower::tick)));
    }

    /**
     * Follows an export until the returned handle runs. The follower is called on the Vert.x context of the
     * caller (a request's own), not on the one that read the change: ten thousand followers of one export
     * are then served by every event loop, each with its request's context, instead of all by one.
     */
    public Runnable follow(UUID exportId, Follower follower) {
        io.vertx.core.Context context = Vertx.currentContext();
        if (context != null) {
            Follower direct = follower;
            follower = new Follower() {
                @Override
                public void changed(ExportReads.Snapshot snapshot) {
                    context.runOnContext(v -> direct.changed(snapshot));
                }

                @Override
                public void tick() {
                    context.runOnContext(v -> direct.tick());
                }
            };
        }
        return add(exportId, follower);
    }

    private Runnable add(UUID exportId, Follower follower) {
        Feed feed = feeds.computeIfAbsent(exportId, id -> new Feed());
        feed.followers.add(follower);
        count.incrementAndGet();
        return () -> {
            if (feed.followers.remove(follower)) {
                count.decrementAndGet();
                feeds.computeIfPresent(exportId, (id, f) -> f.followers.isEmpty() ? null : f);
            }
        };
    }

    /**
     * How many changes this replica has been told of so far: a follower that reads the export before it follows
     * it takes this before the read, for {@link #follow(UUID, Follower, long)}.
     */
    public long notices() {
        return notices.get();
    }

    /**
     * Follows an export that the caller read before following it, {@code noticesBeforeRead} being
     * {@link #notices()} before that read: if any change was announced since, the export is read again for
     * its followers, since a change announced between the read and the follow would otherwise never reach
     * this follower (the last change of an export is announced once). The new read's answer comes after
     * anything the caller hands its follower on this context now.
     */
    public Runnable follow(UUID exportId, Follower follower, long noticesBeforeRead) {
        Runnable unfollow = follow(exportId, follower);
        if (notices.get() != noticesBeforeRead) {
            read(exportId);
        }
        return unfollow;
    }

    private void notified(String payload) {
        notices.incrementAndGet();
        UUID id;
        try {
            id = UUID.fromString(payload);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (feeds.containsKey(id)) {
            read(id);
        } else {
            // Nobody follows it here yet, but a stream or long poll may be about to: what this replica read of
            // the export before the change must not be what it starts from (it would wait for a change that
            // has already happened, for ever, if that change was the last).
            reads.forget(id);
        }
    }

    private void readAll() {
        notices.incrementAndGet();
        feeds.keySet().forEach(this::read);
    }

    private void read(UUID id) {
        Feed feed = feeds.get(id);
        if (feed == null) {
            return;
        }
        synchronized (feed) {
            if (feed.reading) {
                feed.again = true;
                return;
            }
            feed.reading = true;
            feed.again = false;
        }
        reads.fresh(id).subscribe().with(found -> {
            found.ifPresent(s -> feed.followers.forEach(f -> {
                try {
                    f.changed(s);
                } catch (RuntimeException e) {
                    LOG.warnf("a follower of export %s failed: %s", id, Failures.describe(e));
                }
            }));
            done(id, feed);
        }, failure -> {
            LOG.debugf("could not read export %s after a change: %s", id, Failures.describe(failure));
            done(id, feed);
        });
    }

    private void done(UUID id, Feed feed) {
        boolean again;
        synchronized (feed) {
            feed.reading = false;
            again = feed.again;
        }
        if (again) {
            read(id);
        }
    }
}
