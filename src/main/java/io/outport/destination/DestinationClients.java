package io.outport.destination;

import io.outport.platform.OutportConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One S3 client per destination, built on first use and kept: with the destination's access keys (the secret
 * opened by {@link SecretBox}), or with credentials from assuming its role through STS (the caller is Outport's
 * own AWS identity, the one its own S3 client uses; OUTPORT_STS_ENDPOINT overrides AWS's endpoint). The AWS
 * SDK refreshes an assumed role's session before it expires (in the background), but keeps a session the store
 * has stopped accepting: {@link #invalidate} drops the client, and the next use builds a new one. Building
 * resolves the credentials once, a blocking STS call, so it runs on a worker thread, never on an event loop.
 * All clients share one HTTP client (connection pool and event loop group).
 */
@ApplicationScoped
public class DestinationClients {

    private static final Logger LOG = Logger.getLogger(DestinationClients.class);

    /** A built client and what it was built from. */
    private record Built(Destination destination, S3AsyncClient client, AutoCloseable sts) {
        void close() {
            client.close();
            if (sts != null) {
                try {
                    sts.close();
                } catch (Exception e) {
                    // nothing holds it any more
                }
            }
        }
    }

    private final SecretBox secrets;
    private final OutportConfig config;
    private final S3AsyncClient own;
    /** Per destination: its client, built or being built (one build at a time, whoever asks first). */
    private final ConcurrentHashMap<UUID, CompletableFuture<Built>> clients = new ConcurrentHashMap<>();
    private volatile SdkAsyncHttpClient http;
    private volatile SdkHttpClient stsHttp;

    public DestinationClients(SecretBox secrets, OutportConfig config, S3AsyncClient own) {
        this.secrets = secrets;
        this.config = config;
        this.own = own;
    }

    /** The client for {@code d}: the cached one, the one being built, or one built now (off the event loop). */
    public Uni<S3AsyncClient> client(Destination d) {
        CompletableFuture<Built> current = clients.get(d.id());
        if (current != null && !current.isCompletedExceptionally()) {
            Built built = current.getNow(null);
            if (built == null || built.destination().equals(d)) {
                return Uni.createFrom().completionStage(current).map(Built::client);
            }
        }
        CompletableFuture<Built> mine = new CompletableFuture<>();
        boolean owner = current == null ? clients.putIfAbsent(d.id(), mine) == null : clients.replace(d.id(), current, mine);
        if (!owner) {
            return client(d); // another caller got there first: use theirs
        }
        if (current != null) {
            current.thenAccept(Built::close); // built for an older state of the destination
        }
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                mine.complete(build(d));
            } catch (Throwable e) {
                clients.remove(d.id(), mine);
                mine.completeExceptionally(e);
            }
        });
        return Uni.createFrom().completionStage(mine).map(Built::client);
    }

    /** Drops the client of a destination: its credentials were refused, or it was deleted. */
    public void invalidate(UUID id) {
        CompletableFuture<Built> before = clients.remove(id);
        if (before != null) {
            LOG.infof("destination %s: the client is built anew on its next use", id);
            before.thenAccept(Built::close);
        }
    }

    private Built build(Destination d) {
        AwsCredentialsProvider credentials;
        StsClient sts = null;
        if (d.assumesRole()) {
            var builder = StsClient.builder().httpClient(stsHttp()).region(Region.of(d.region()))
                    .credentialsProvider(own.serviceClientConfiguration().credentialsProvider());
            config.sts().endpoint().ifPresent(e -> builder.endpointOverride(URI.create(e)));
            sts = builder.build();
            StsAssumeRoleCredentialsProvider assumed = StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                    .refreshRequest(r -> r.roleArn(d.roleArn()).externalId(d.externalId())
                            .roleSessionName("outport-" + d.id().toString().substring(0, 8))
                            .durationSeconds((int) Duration.ofHours(1).toSeconds()))
                    .asyncCredentialUpdateEnabled(true)
                    .build();
            try {
                assumed.resolveCredentials(); // fails here, in the caller's terms, if the role cannot be assumed
            } catch (RuntimeException e) {
                assumed.close();
                sts.close();
                throw e;
            }
            credentials = assumed;
        } else {
            String secret;
            try {
                secret = secrets.open(d.secret(), d.secretKeyId(), d.id().toString());
            } catch (IllegalStateException e) {
                throw new DestinationStore.Unusable(e.getMessage());
            }
            credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(d.accessKeyId(), secret));
        }
        var s3 = S3AsyncClient.builder().httpClient(http()).region(Region.of(d.region()))
                .credentialsProvider(credentials).forcePathStyle(d.pathStyle());
        if (d.endpoint() != null) {
            s3.endpointOverride(URI.create(d.endpoint()));
        }
        StsClient closeable = sts;
        AutoCloseable both = credentials instanceof AutoCloseable c ? () -> {
            c.close();
            closeable.close();
        } : null;
        return new Built(d, s3.build(), both);
    }

    private SdkAsyncHttpClient http() {
        SdkAsyncHttpClient h = http;
        if (h == null) {
            synchronized (this) {
                if (http == null) {
                    http = NettyNioAsyncHttpClient.builder().maxConcurrency(64)
                            .connectionTimeout(Duration.ofSeconds(10)).build();
                }
                h = http;
            }
        }
        return h;
    }

    private SdkHttpClient stsHttp() {
        SdkHttpClient h = stsHttp;
        if (h == null) {
            synchronized (this) {
                if (stsHttp == null) {
                    stsHttp = UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                            .socketTimeout(Duration.ofSeconds(30)).build();
                }
                h = stsHttp;
            }
        }
        return h;
    }

    void stop(@Observes ShutdownEvent event) {
        clients.values().forEach(f -> f.thenAccept(Built::close));
        clients.clear();
        if (http != null) {
            http.close();
        }
        if (stsHttp != null) {
            stsHttp.close();
        }
    }
}
