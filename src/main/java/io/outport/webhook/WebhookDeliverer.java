package io.outport.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.outport.export.ExportReads;
import io.outport.export.api.ExportViews;
import io.outport.platform.Failures;
import io.outport.platform.Notifications;
import io.outport.platform.OutportConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivers webhooks from the outbox: any replica, up to OUTPORT_WEBHOOKS_CONCURRENCY at once. Woken by
 * NOTIFY when a final state writes deliveries, and by a poll every second or so (retries come due without
 * a notification). Each attempt re-resolves the endpoint's host and refuses non-public addresses (DNS
 * rebinding), connects to the address it checked, sends the Standard Webhooks headers, never follows a
 * redirect, and gives up after 10 s; the body is the export as GET shows it at that moment. The HTTP
 * client is non-blocking; the lookup runs on a worker thread. A slow or hanging receiver holds one slot
 * for at most 10 s, never the others.
 */
@ApplicationScoped
public class WebhookDeliverer {

    public static final String CHANNEL = "outport_webhooks";
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** A claimed delivery is due again after this, should this replica die mid-attempt. */
    static final Duration LEASE = TIMEOUT.plusSeconds(20);
    static final Duration KEEP = Duration.ofDays(7);

    private static final Logger LOG = Logger.getLogger(WebhookDeliverer.class);

    private final OutportConfig config;
    private final WebhookRepository repository;
    private final ExportReads reads;
    private final ExportViews views;
    private final Notifications notifications;
    private final Vertx vertx;
    private final MeterRegistry registry;
    private final com.fasterxml.jackson.databind.ObjectMapper json;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean claiming = new AtomicBoolean();
    private volatile boolean again;
    private volatile boolean stopping;
    private HttpClient http;

    public WebhookDeliverer(OutportConfig config, WebhookRepository repository, ExportReads reads, ExportViews views,
                            Notifications notifications, Vertx vertx, MeterRegistry registry,
                            com.fasterxml.jackson.databind.ObjectMapper json) {
        this.json = json;
        this.config = config;
        this.repository = repository;
        this.reads = reads;
        this.views = views;
        this.notifications = notifications;
        this.vertx = vertx;
        this.registry = registry;
        registry.gauge("outport_webhook_deliveries_in_flight", inFlight);
    }

    void start(@Observes StartupEvent event) {
        if (!config.webhooks().deliver()) {
            return;
        }
        http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) TIMEOUT.toMillis())
                .setKeepAlive(false)
                .setForceSni(true)
                .setVerifyHost(true)
                .setMaxPoolSize(config.webhooks().concurrency())
                .setName("outport-webhooks"));
        notifications.listen(CHANNEL, payload -> trigger(), this::trigger);
        schedulePoll();
        vertx.setPeriodic(Duration.ofMinutes(1).toMillis(), Duration.ofHours(1).toMillis(), t -> purge());
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    private void schedulePoll() {
        vertx.setTimer(500 + ThreadLocalRandom.current().nextLong(1000), t -> {
            trigger();
            if (!stopping) {
                schedulePoll();
            }
        });
    }

    /** Claims as many due deliveries as there are free slots. */
    public void trigger() {
        if (stopping || http == null) {
            return;
        }
        if (!claiming.compareAndSet(false, true)) {
            again = true;
            return;
        }
        again = false;
        int free = config.webhooks().concurrency() - inFlight.get();
        if (free <= 0) {
            claiming.set(false);
            return;
        }
        repository.claim(free, LEASE).subscribe().with(claimed -> {
            claimed.forEach(this::deliver);
            claiming.set(false);
            if (claimed.size() == free || again) {
                trigger();
            }
        }, failure -> {
            claiming.set(false);
            LOG.debugf("webhook claim failed: %s", Failures.describe(failure));
        });
    }

    /** One attempt of one delivery, from the export's current state to the recorded result. */
    void deliver(WebhookRepository.Claimed c) {
        inFlight.incrementAndGet();
        long started = System.nanoTime();
        // A fresh read, never the status-poll cache: a snapshot from just before the change would send an
        // export.completed whose data still says processing.
        Uni<Attempt> attempt = reads.fresh(c.exportId()).chain(found -> {
            if (found.isEmpty() || !found.get().export().tenantId().equals(c.tenantId())) {
                return Uni.createFrom().item(new Attempt(null, "the export no longer exists", false));
            }
            return views.of(found.get()).chain(view -> {
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("type", c.eventType());
                payload.put("timestamp", c.createdAt().toInstant().toString());
                payload.put("data", view);
                byte[] body;
                try {
                    body = json.writeValueAsBytes(payload);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    return Uni.createFrom().failure(e);
                }
                return send(c, body);
            });
        });
        attempt.onFailure().recoverWithItem(e -> new Attempt(null, Failures.describe(e), true))
                .chain(result -> settle(c, result))
                .subscribe().with(outcome -> {
                    inFlight.decrementAndGet();
                    Timer.builder("outport_webhook_delivery_duration").description("Webhook delivery attempts")
                            .tag("outcome", outcome).register(registry).record(Duration.ofNanos(System.nanoTime() - started));
                    Counter.builder("outport_webhook_deliveries").description("Webhook delivery attempts, by outcome")
                            .tag("outcome", outcome).register(registry).increment();
                    trigger();
                }, failure -> {
                    inFlight.decrementAndGet();
                    LOG.warnf("could not record webhook delivery %s: %s", c.id(), Failures.describe(failure));
                });
    }

    /** What one attempt got: the response status, or an error; and whether trying again may help. */
    record Attempt(Integer status, String error, boolean retryable) {
        boolean delivered() {
            return status != null && status >= 200 && status < 300;
        }
    }

    private Uni<String> settle(WebhookRepository.Claimed c, Attempt a) {
        if (a.delivered()) {
            return repository.settle(c, true, a.status(), null, null).map(ok -> "delivered");
        }
        String error = a.error() != null ? a.error() : "the endpoint answered " + a.status();
        Optional<Duration> retry = a.retryable() ? RetrySchedule.after(c.attempt(), ThreadLocalRandom.current()::nextDouble)
                : Optional.empty();
        return repository.settle(c, false, a.status(), error, retry.orElse(null))
                .map(ok -> retry.isPresent() ? "retry" : "failed");
    }

    private Uni<Attempt> send(WebhookRepository.Claimed c, byte[] body) {
        URI uri = URI.create(c.url());
        boolean allowPrivate = config.webhooks().allowPrivate();
        Optional<String> form = WebhookUrls.formProblem(c.url(), allowPrivate);
        if (form.isPresent()) {
            return Uni.createFrom().item(new Attempt(null, "url " + form.get(), false));
        }
        String host = WebhookUrls.host(uri);
        int port = WebhookUrls.port(uri);
        return Uni.createFrom().item(() -> resolve(host)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(addresses -> {
                    if (addresses.length == 0) {
                        return Uni.createFrom().item(new Attempt(null, "the host name does not resolve", true));
                    }
                    for (InetAddress a : addresses) {
                        if (!allowPrivate && !WebhookUrls.isPublic(a)) {
                            return Uni.createFrom().item(new Attempt(null, "the host resolves to a non-public address ("
                                    + a.getHostAddress() + "); refused", true));
                        }
                    }
                    return post(c, uri, host, port, addresses[0], body);
                });
    }

    private static InetAddress[] resolve(String host) {
        try {
            return InetAddress.getAllByName(host);
        } catch (java.net.UnknownHostException e) {
            return new InetAddress[0];
        }
    }

    private Uni<Attempt> post(WebhookRepository.Claimed c, URI uri, String host, int port, InetAddress address, byte[] body) {
        long timestamp = Instant.now().getEpochSecond();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setHost(host).setPort(port).setURI(path).setSsl("https".equalsIgnoreCase(uri.getScheme()))
                .setFollowRedirects(false).setIdleTimeout(TIMEOUT.toMillis())
                .putHeader("content-type", "application/json")
                .putHeader("user-agent", "Outport-Webhooks/1")
                .putHeader("webhook-id", "msg_" + c.id())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader("webhook-signature", WebhookSignature.sign(c.secret(), "msg_" + c.id(), timestamp, body));
        io.vertx.core.Future<Integer> status = http.request(options).compose(request -> {
            vertx.setTimer(TIMEOUT.toMillis(), t -> request.reset());
            return request.send(Buffer.buffer(body)).map(response -> {
                int code = response.statusCode();
                // The body is not read: whatever the receiver sends after its status line is dropped.
                request.reset();
                return code;
            });
        });
        return Uni.createFrom().completionStage(status.toCompletionStage())
                .ifNoItem().after(TIMEOUT.plusSeconds(1)).fail()
                .map(code -> new Attempt(code, null, true))
                .onFailure().recoverWithItem(e -> new Attempt(null, e instanceof io.smallrye.mutiny.TimeoutException
                        || (e.getMessage() != null && (e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timeout")
                        || e.getMessage().contains("reset")))
                        ? "no answer within " + TIMEOUT.toSeconds() + " s" : Failures.describe(e), true));
    }

    private void purge() {
        repository.purge(KEEP).subscribe().with(n -> {
            if (n > 0) {
                LOG.infof("deleted %d webhook deliveries older than %d days", n, KEEP.toDays());
            }
        }, failure -> LOG.debugf("webhook purge failed: %s", Failures.describe(failure)));
    }
}
