package io.outport.platform;

import io.outport.export.storage.ExportStorage;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Readiness of object storage: the export bucket answers (and exists; it is created at start-up and on
 * the first check when missing and OUTPORT_S3_CREATE_BUCKET allows). PostgreSQL's readiness check comes
 * with the reactive client extension.
 */
@Readiness
@ApplicationScoped
public class StorageHealth implements AsyncHealthCheck {

    private static final Logger LOG = Logger.getLogger(StorageHealth.class);

    private final ExportStorage storage;

    public StorageHealth(ExportStorage storage) {
        this.storage = storage;
    }

    void createBucket(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        // Started first, on a worker thread: building the AWS client takes a while and start-up need not wait.
        storage.bucketReady().subscribe().with(v -> LOG.infof("bucket %s is ready", storage.bucket()),
                e -> LOG.warnf("bucket %s is not reachable yet: %s", storage.bucket(), Failures.describe(e)));
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return storage.bucketReady().chain(storage::ensureBucket)
                .ifNoItem().after(Duration.ofSeconds(3)).fail()
                .map(v -> HealthCheckResponse.named("S3 bucket").up().withData("bucket", storage.bucket()).build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named("S3 bucket").down()
                        .withData("bucket", storage.bucket()).withData("error", Failures.describe(e)).build());
    }
}
