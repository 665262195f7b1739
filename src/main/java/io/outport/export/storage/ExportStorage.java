package io.outport.export.storage;

import io.outport.platform.OutportConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything Outport does with S3: multipart uploads of part files, presigned downloads, deletes and
 * the sweep of stray uploads. AWS futures are wrapped lazily so nothing starts before subscription.
 */
@ApplicationScoped
public class ExportStorage extends S3PartStore {

    private static final Logger LOG = Logger.getLogger(ExportStorage.class);

    /** A presigned GET and the instant it stops working. */
    public record Presigned(String url, Instant expiresAt) {
    }

    private final S3AsyncClient s3;
    private final S3Presigner presigner;
    private final OutportConfig config;
    private final AtomicReference<CompletableFuture<Void>> firstCheck = new AtomicReference<>();

    public ExportStorage(S3AsyncClient s3, S3Presigner presigner, OutportConfig config) {
        this.s3 = s3;
        this.presigner = presigner;
        this.config = config;
    }

    /** New and unguessable for every attempt: a stale attempt can never overwrite a newer one's files. */
    @Override
    public String partPrefix(io.outport.export.Export export) {
        return "exports/" + export.tenantId() + "/" + java.util.HexFormat.of().formatHex(io.outport.platform.Randomness.bytes(16)) + "/";
    }

    /** Each attempt writes under a prefix of its own: nothing of an earlier one is under this one's keys. */
    @Override
    public Uni<Void> abortEarlierUploads(io.outport.export.Export export) {
        return Uni.createFrom().voidItem();
    }

    @Override
    public boolean singlePut() {
        return true;
    }

    @Override
    public Uni<Void> removeUnrecorded(List<String> keys) {
        return delete(keys);
    }

    /** Parts in Outport's bucket are downloaded through presigned URLs: no location. */
    @Override
    public String location(String key) {
        return null;
    }

    @Override
    public String bucket() {
        return config.s3().bucket();
    }

    /**
     * The bucket has answered since start-up. The first call builds the AWS client, hundreds of milliseconds
     * of class loading and set-up, so the check runs on a worker thread and never holds up an event loop
     * (where it would delay the HTTP server's start and every request behind it). Callers share one check;
     * once it has succeeded it stays done, after a failure the next call checks again.
     */
    public Uni<Void> bucketReady() {
        CompletableFuture<Void> check = firstCheck.get();
        if (check == null || check.isCompletedExceptionally()) {
            CompletableFuture<Void> next = new CompletableFuture<>();
            if (firstCheck.compareAndSet(check, next)) {
                ensureBucket().runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .subscribe().with(v -> next.complete(null), next::completeExceptionally);
                check = next;
            } else {
                // Another caller has just started one: share it, whatever its outcome (no retry loop).
                check = firstCheck.get();
            }
        }
        CompletableFuture<Void> shared = check;
        return Uni.createFrom().completionStage(() -> shared);
    }

    /** {@link #bucketReady()} has succeeded: for callers that only go on once it has, without waiting. */
    public boolean bucketChecked() {
        CompletableFuture<Void> check = firstCheck.get();
        return check != null && check.isDone() && !check.isCompletedExceptionally();
    }

    /** Checks the bucket is reachable, creating it first when it is missing and creation is allowed. */
    public Uni<Void> ensureBucket() {
        return Uni.createFrom().completionStage(() -> s3.headBucket(b -> b.bucket(bucket())))
                .replaceWithVoid()
                .onFailure(ExportStorage::isMissingBucket).recoverWithUni(e -> {
                    if (!config.s3().createBucket()) {
                        return Uni.createFrom().failure(e);
                    }
                    LOG.infof("creating bucket %s", bucket());
                    return Uni.createFrom().completionStage(() -> s3.createBucket(b -> b.bucket(bucket())))
                            .replaceWithVoid()
                            .onFailure(f -> f instanceof S3Exception s && s.statusCode() == 409).recoverWithNull();
                });
    }

    private static boolean isMissingBucket(Throwable e) {
        Throwable t = unwrap(e);
        return t instanceof NoSuchBucketException || (t instanceof S3Exception s && s.statusCode() == 404);
    }

    @io.opentelemetry.instrumentation.annotations.WithSpan("outport.upload_part")
    @Override
    public Uni<Void> put(String key, java.util.List<java.nio.ByteBuffer> bytes, String contentType) {
        return super.put(key, bytes, contentType);
    }

    @io.opentelemetry.instrumentation.annotations.WithSpan("outport.upload_part")
    @Override
    public Uni<software.amazon.awssdk.services.s3.model.CompletedPart> uploadPart(String key, String uploadId, int partNumber,
                                                                           java.util.List<java.nio.ByteBuffer> bytes) {
        return super.uploadPart(key, uploadId, partNumber, bytes);
    }

    @Override
    protected <T> Uni<T> call(java.util.function.Function<S3AsyncClient, CompletableFuture<T>> request) {
        return Uni.createFrom().completionStage(() -> request.apply(s3));
    }

    /**
     * Deletes objects one request each (a few parts per export): DeleteObjects needs a checksum header
     * that some S3-compatible servers (S3Proxy among them) refuse.
     */
    public Uni<Void> delete(List<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(keys)
                .onItem().transformToUni(k -> Uni.createFrom().completionStage(
                        () -> s3.deleteObject(b -> b.bucket(bucket()).key(k)))).merge(8)
                .collect().last().replaceWithVoid();
    }

    /** Open multipart uploads under a prefix, for the sweep and for tests that check none is left. */
    public Uni<List<MultipartUpload>> openUploads(String prefix) {
        return Uni.createFrom().completionStage(() -> s3.listMultipartUploads(b -> b.bucket(bucket()).prefix(prefix)))
                .map(r -> r.uploads());
    }

    /**
     * A presigned GET for {@code key}, valid OUTPORT_EXPORTS_URL_TTL; pure computation, no I/O. A SigV4
     * signature carries its time to the second, so every URL minted within one second is the same
     * string: the last one is reused within its second instead of signing again (signing costs far
     * more than the rest of a status poll).
     */
    public Presigned presign(String key, String filename) {
        long second = Instant.now().getEpochSecond();
        Minted minted = recent.get(key);
        if (minted != null && minted.second == second) {
            return minted.presigned;
        }
        Duration ttl = config.exports().urlTtl();
        Instant signedAt = Instant.now();
        URL url = presigner.presignGetObject(p -> p.signatureDuration(ttl)
                .getObjectRequest(g -> g.bucket(bucket()).key(key)
                        .responseContentDisposition("attachment; filename=\"" + filename + "\""))).url();
        Presigned presigned = new Presigned(url.toString(),
                signedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plus(ttl));
        if (recent.size() > 10_000) {
            recent.clear();
        }
        recent.put(key, new Minted(signedAt.getEpochSecond(), presigned));
        return presigned;
    }

    /** The URL minted for {@code key} within the current second, if any: no signing, no I/O. */
    public java.util.Optional<Presigned> mintedThisSecond(String key) {
        Minted minted = recent.get(key);
        return minted != null && minted.second == Instant.now().getEpochSecond()
                ? java.util.Optional.of(minted.presigned) : java.util.Optional.empty();
    }

    private record Minted(long second, Presigned presigned) {
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Minted> recent = new java.util.concurrent.ConcurrentHashMap<>();
}
