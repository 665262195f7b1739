package io.outport.export.storage;

import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The upload requests of a {@link PartStore} on one S3 bucket, written once for Outport's bucket and a tenant's:
 * they differ in which client makes the request ({@link #call}) and in the bucket. AWS futures are made lazily,
 * so nothing starts before subscription.
 */
public abstract class S3PartStore implements PartStore {

    /** The bucket the parts go to. */
    public abstract String bucket();

    /** Makes a request with this store's client. */
    protected abstract <T> Uni<T> call(Function<S3AsyncClient, CompletableFuture<T>> request);

    @Override
    public Uni<Void> put(String key, List<ByteBuffer> bytes, String contentType) {
        return call(s3 -> s3.putObject(b -> b.bucket(bucket()).key(key).contentType(contentType), body(bytes)))
                .replaceWithVoid();
    }

    @Override
    public Uni<String> startMultipart(String key, String contentType) {
        return call(s3 -> s3.createMultipartUpload(b -> b.bucket(bucket()).key(key).contentType(contentType)))
                .map(r -> r.uploadId());
    }

    @Override
    public Uni<CompletedPart> uploadPart(String key, String uploadId, int partNumber, List<ByteBuffer> bytes) {
        long length = bytes.stream().mapToLong(ByteBuffer::remaining).sum();
        return call(s3 -> s3.uploadPart(b -> b.bucket(bucket()).key(key).uploadId(uploadId).partNumber(partNumber)
                .contentLength(length), body(bytes)))
                .map(r -> CompletedPart.builder().partNumber(partNumber).eTag(r.eTag()).build());
    }

    @Override
    public Uni<Void> completeMultipart(String key, String uploadId, List<CompletedPart> parts) {
        return call(s3 -> s3.completeMultipartUpload(b -> b.bucket(bucket()).key(key).uploadId(uploadId)
                .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()))).replaceWithVoid();
    }

    /** Aborts an upload; an upload that is already gone (or completed) counts as aborted. */
    @Override
    public Uni<Void> abortMultipart(String key, String uploadId) {
        return call(s3 -> s3.abortMultipartUpload(b -> b.bucket(bucket()).key(key).uploadId(uploadId)))
                .replaceWithVoid()
                .onFailure(e -> unwrap(e) instanceof S3Exception s && s.statusCode() == 404).recoverWithNull();
    }

    /**
     * The bytes as they are, not copied: a piece is never changed once handed over, so the SDK's defensive
     * copy would only double the memory traffic (and, for one large array, allocate it in the old generation).
     */
    protected static AsyncRequestBody body(List<ByteBuffer> bytes) {
        return AsyncRequestBody.fromByteBuffersUnsafe(bytes.toArray(ByteBuffer[]::new));
    }

    /** The failure inside the futures' CompletionException wrappers. */
    public static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
