package io.outport.destination;

import io.outport.export.Export;
import io.outport.export.storage.S3PartStore;
import io.outport.export.storage.PartStore;
import io.outport.platform.Randomness;
import io.outport.webhook.WebhookUrls;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sts.model.StsException;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A tenant's bucket as a {@link PartStore}: every attempt writes the parts of an export to the same keys,
 * {@code <prefix><export id>/part-00001.ndjson.gz}; every part is a multipart upload (an attempt that stops
 * leaves only an upload to abort); nothing is ever deleted there. The endpoint's addresses are checked again
 * before every part (a name may resolve elsewhere by now), and credentials the store refuses drop the cached
 * client so the next attempt builds a new one.
 */
public final class DestinationStore extends S3PartStore {

    /** Error codes by which a store says the credentials are not (or no longer) good. */
    private static final Set<String> CREDENTIAL_ERRORS = Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch",
            "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AccessDenied");

    private final Destination destination;
    private final DestinationClients clients;
    private final boolean allowPrivate;

    public DestinationStore(Destination destination, DestinationClients clients, boolean allowPrivate) {
        this.destination = destination;
        this.clients = clients;
        this.allowPrivate = allowPrivate;
    }

    public Destination destination() {
        return destination;
    }

    @Override
    public String partPrefix(Export export) {
        return destination.prefix() + export.id() + "/";
    }

    @Override
    public boolean singlePut() {
        return false;
    }

    @Override
    public String bucket() {
        return destination.bucket();
    }

    /** The endpoint's addresses are checked again before every part file is started. */
    @Override
    public Uni<Void> put(String key, List<ByteBuffer> bytes, String contentType) {
        return guarded().chain(() -> super.put(key, bytes, contentType));
    }

    @Override
    public Uni<String> startMultipart(String key, String contentType) {
        return guarded().chain(() -> super.startMultipart(key, contentType));
    }

    /**
     * Every attempt writes the same keys: any upload open under the export's keys before this attempt starts is
     * an earlier attempt's. Listing them needs s3:ListBucketMultipartUploads; where the policy does not grant it,
     * only the uploads earlier attempts registered are aborted (by the runner).
     */
    @Override
    public Uni<Void> abortEarlierUploads(Export export) {
        String under = partPrefix(export);
        return call(s3 -> s3.listMultipartUploads(b -> b.bucket(destination.bucket()).prefix(under)))
                .chain(r -> io.smallrye.mutiny.Multi.createFrom().iterable(r.uploads())
                        .onItem().transformToUniAndConcatenate(u -> abortMultipart(u.key(), u.uploadId()))
                        .collect().last())
                .replaceWithVoid()
                .onFailure(e -> unwrap(e) instanceof S3Exception s && (s.statusCode() == 403 || s.statusCode() == 501))
                .recoverWithNull();
    }

    /** Outport never deletes what it wrote into a tenant's bucket. */
    @Override
    public Uni<Void> removeUnrecorded(List<String> keys) {
        return Uni.createFrom().voidItem();
    }

    @Override
    public String location(String key) {
        return destination.location(key);
    }

    /**
     * Starts and aborts a multipart upload, then writes a small object under the prefix and deletes it again,
     * with exactly the client exports will use: what a registration (and an estimate naming the destination)
     * checks before it answers.
     */
    public Uni<Void> probe() {
        String key = destination.prefix() + ".outport-write-check-" + HexFormat.of().formatHex(Randomness.bytes(8));
        byte[] body = "Outport checks it can write here; this object is deleted at once.\n".getBytes();
        // First a multipart upload started and aborted: requests without a body, so a refusal (unknown key, wrong
        // secret, no such bucket, access denied) always comes back as the store's answer — a store that refuses a
        // request with a body may close the connection before the body is sent, which the client sees as a
        // broken pipe. Exports write every part that way too. Then the small object itself, written and deleted.
        return startMultipart(key, "text/plain").chain(uploadId -> abortMultipart(key, uploadId))
                // The endpoint was checked by startMultipart: the object itself goes without a second look-up.
                .chain(() -> call(s3 -> s3.putObject(b -> b.bucket(destination.bucket()).key(key)
                        .contentType("text/plain"), AsyncRequestBody.fromBytes(body))))
                .chain(() -> call(s3 -> s3.deleteObject(b -> b.bucket(destination.bucket()).key(key))))
                .replaceWithVoid();
    }

    /** The endpoint (if any) still resolves to public addresses only (unless private ones are allowed). */
    private Uni<Void> guarded() {
        if (destination.endpoint() == null || allowPrivate) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().item(() -> WebhookUrls.resolvedProblem(destination.endpoint(), false))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .invoke(problem -> problem.ifPresent(p -> {
                    throw new EndpointRefused(p);
                })).replaceWithVoid();
    }

    @Override
    protected <T> Uni<T> call(Function<S3AsyncClient, CompletableFuture<T>> request) {
        return clients.client(destination)
                .chain(s3 -> Uni.createFrom().completionStage(() -> request.apply(s3)))
                .onFailure(DestinationStore::credentialsRefused).invoke(() -> clients.invalidate(destination.id()));
    }

    private static boolean credentialsRefused(Throwable e) {
        Throwable t = unwrap(e);
        return t instanceof StsException || t instanceof S3Exception s && s.awsErrorDetails() != null
                && CREDENTIAL_ERRORS.contains(s.awsErrorDetails().errorCode());
    }

    /**
     * The destination cannot be used as stored: deleted after the export named it, or its secret does not open
     * with this process's keys. The message says which, for a person, and names no secret.
     */
    public static final class Unusable extends RuntimeException {
        public Unusable(String message) {
            super(message, null, false, false);
        }
    }

    /** The endpoint resolves to an address the SSRF rules refuse. */
    public static final class EndpointRefused extends RuntimeException {
        private final String problem;

        EndpointRefused(String problem) {
            super("the endpoint " + problem, null, false, false);
            this.problem = problem;
        }

        /** What the address rules refused, as the {@code endpoint} field's error says it. */
        public String problem() {
            return problem;
        }
    }

    /**
     * What the store (or STS) said, for a person: the cause named, never a credential. Used in the 400 of a
     * registration and in the error of an export that could not be written.
     */
    public String describe(Throwable failure) {
        Throwable t = unwrap(failure);
        String where = "s3://" + destination.bucket() + "/" + destination.prefix();
        if (t instanceof EndpointRefused || t instanceof Unusable) {
            return t.getMessage();
        }
        if (t instanceof StsException s) {
            return "could not assume the role " + destination.roleArn() + ": STS answered " + s.statusCode()
                    + (s.awsErrorDetails() == null ? "" : " " + s.awsErrorDetails().errorCode() + " ("
                    + s.awsErrorDetails().errorMessage() + ")")
                    + "; check the role's trust policy names this service and the external id";
        }
        if (t instanceof S3Exception s) {
            String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            if ("NoSuchBucket".equals(code) || code == null && s.statusCode() == 404) {
                return "the bucket " + destination.bucket() + " does not exist (NoSuchBucket)";
            }
            if ("InvalidAccessKeyId".equals(code)) {
                return "the store does not know the access key id (InvalidAccessKeyId)";
            }
            if ("SignatureDoesNotMatch".equals(code)) {
                return "the secret access key does not match the access key id (SignatureDoesNotMatch)";
            }
            if ("AccessDenied".equals(code) || code == null && s.statusCode() == 403) {
                return "access denied: the credentials may not write to " + where + " (AccessDenied)";
            }
            if ("ExpiredToken".equals(code) || "InvalidToken".equals(code)) {
                return "the store refused the role's session (" + code + ")";
            }
            return "the store answered " + s.statusCode() + (code == null ? "" : " " + code);
        }
        if (t instanceof SdkClientException c) {
            Throwable root = c;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof StsException s) {
                return describe(s);
            }
            return "the store could not be reached" + (destination.endpoint() == null ? "" : " at " + destination.endpoint())
                    + " (" + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage()) + ")";
        }
        return t.getClass().getSimpleName();
    }
}
