package io.outport.platform;

import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * This replica's one LISTEN connection: a dedicated connection outside the pool (LISTEN needs a session,
 * so it cannot go through PgBouncer in transaction mode either), reconnecting for ever. Every channel
 * this process listens on shares it: the worker's wake-ups and cancel requests, export changes for long
 * polls and event streams, webhook wake-ups. Notifications sent while it is down are lost, so every
 * listener gets a call after each (re)connect to catch up.
 */
@ApplicationScoped
public class Notifications {

    private static final Logger LOG = Logger.getLogger(Notifications.class);

    private final Vertx vertx;
    private final PgConnectOptions options;
    private PgSubscriber subscriber;
    private final java.util.List<Runnable> catchUps = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean connecting;

    public Notifications(Vertx vertx,
                         @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
                         @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
                         @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        String uri = url.startsWith("vertx-reactive:") ? url.substring("vertx-reactive:".length()) : url;
        PgConnectOptions o = PgConnectOptions.fromUri(uri);
        user.ifPresent(o::setUser);
        password.ifPresent(o::setPassword);
        this.options = o;
    }

    /**
     * Listens on {@code channel}: {@code handler} gets each payload (on an event-loop thread: it must not
     * block), {@code caughtUp} runs after every (re)subscription, when notifications may have been missed.
     */
    public synchronized void listen(String channel, Consumer<String> handler, Runnable caughtUp) {
        if (subscriber == null) {
            subscriber = PgSubscriber.subscriber(vertx, options)
                    // Reconnect for ever, every 0.5 to 1.5 s; meanwhile every listener falls back on polling.
                    .reconnectPolicy(retries -> 500L + ThreadLocalRandom.current().nextLong(1000));
        }
        catchUps.add(caughtUp);
        subscriber.channel(channel).subscribeHandler(v -> caughtUp.run()).handler(handler::accept);
        if (!connecting) {
            connecting = true;
            connect();
        }
    }

    /** The first connection; once it stood, the subscriber's reconnect policy takes over. */
    private synchronized void connect() {
        if (subscriber == null) {
            return;
        }
        subscriber.connect().onComplete(ar -> {
            if (ar.failed()) {
                LOG.warnf("LISTEN connection failed (%s); polling until it comes back", Failures.describe(ar.cause()));
                catchUps.forEach(Runnable::run);
                vertx.setTimer(500L + ThreadLocalRandom.current().nextLong(1000), t -> connect());
            }
        });
    }

    synchronized void stop(@Observes @Priority(100) ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.close();
            subscriber = null;
        }
    }
}
