package io.outport.export.pipeline;

import io.outport.platform.Randomness;
import io.outport.export.ExportFile;
import io.outport.export.queue.Claimed;
import io.outport.export.queue.ExportQueue;
import io.outport.export.storage.ExportStorage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Uploads the pieces of one attempt's part files: a part that fits in one piece is a single PUT, a larger
 * one a multipart upload. Every object is registered (fenced by the lease) before its first byte is
 * sent, so an upload can always be found and aborted; {@link #discard()} aborts and deletes everything
 * this attempt wrote.
 */
public final class PartUploader {


    /** Thrown when the fence refuses a write: another worker owns the export now. */
    public static final class LeaseLost extends RuntimeException {
        public LeaseLost() {
            super("the lease on the export was lost", null, false, false);
        }
    }

    private final ExportStorage storage;
    private final ExportQueue queue;
    private final Claimed claimed;
    private final String prefix;
    private final String extension;
    private final String contentType;
    private final List<ExportFile> files = new ArrayList<>();
    private final List<String> written = new ArrayList<>();

    /** The upload under way, or the last one: {@link #discard()} waits for it. Guarded by {@code this}. */
    private CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
    /** Set by {@link #discard()}: no upload starts after it. Guarded by {@code this}. */
    private boolean discarding;
    private String uploadKey;
    private String uploadId;
    private final List<CompletedPart> uploaded = new ArrayList<>();

    public PartUploader(ExportStorage storage, ExportQueue queue, Claimed claimed, String extension) {
        this.storage = storage;
        this.queue = queue;
        this.claimed = claimed;
        byte[] random = Randomness.bytes(16);
        // Unguessable and new for every attempt: a stale attempt can never overwrite a newer one's files.
        this.prefix = "exports/" + claimed.export().tenantId() + "/" + HexFormat.of().formatHex(random) + "/";
        this.extension = extension;
        this.contentType = extension.startsWith("csv") ? "text/csv" : "application/x-ndjson";
    }

    public List<ExportFile> files() {
        return files;
    }

    /**
     * Uploads the pieces one after the other. The upload runs to its end even if the returned Uni is
     * cancelled (an export stopped mid-upload): cancelling would not stop the S3 request anyway, and
     * {@link #discard()} must see every object and upload it created, so it waits for this to end.
     */
    public Uni<Void> upload(List<Piece> pieces) {
        if (pieces.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        CompletableFuture<Void> run;
        synchronized (this) {
            if (discarding) {
                return Uni.createFrom().failure(new IllegalStateException("the attempt's uploads are being discarded"));
            }
            run = Multi.createFrom().iterable(pieces).onItem().transformToUniAndConcatenate(this::upload)
                    .collect().last().replaceWithVoid().subscribeAsCompletionStage();
            inFlight = run;
        }
        // A dependent stage: cancelling the caller's Uni must not cancel (and so forget) the upload itself.
        return Uni.createFrom().completionStage(run.thenApply(v -> v));
    }

    private Uni<Void> upload(Piece piece) {
        String key = prefix + String.format("part-%05d.", piece.part()) + extension;
        if (uploadId == null && piece.last()) {
            return register(key, null)
                    .chain(() -> storage.put(key, piece.bytes(), contentType))
                    .invoke(() -> done(key, piece.lastOf()));
        }
        Uni<Void> started = uploadId != null ? Uni.createFrom().voidItem()
                : storage.startMultipart(key, contentType).chain(id -> {
                    uploadKey = key;
                    uploadId = id;
                    uploaded.clear();
                    return register(key, id);
                });
        return started
                .chain(() -> storage.uploadPart(uploadKey, uploadId, uploaded.size() + 1, piece.bytes()))
                .invoke(uploaded::add)
                .chain(() -> piece.last() ? storage.completeMultipart(uploadKey, uploadId, List.copyOf(uploaded))
                        .invoke(() -> {
                            uploadId = null;
                            done(key, piece.lastOf());
                        }) : Uni.createFrom().voidItem())
                .replaceWithVoid();
    }

    private Uni<Void> register(String key, String id) {
        written.add(key);
        return queue.registerObject(claimed, key, id).invoke(ok -> {
            if (!ok) {
                throw new LeaseLost();
            }
        }).replaceWithVoid();
    }

    private void done(String key, PartSummary s) {
        files.add(new ExportFile(s.part(), key, s.rows(), s.sizeBytes(), s.sha256()));
    }

    /**
     * Once the upload under way (if any) has ended, aborts the open upload and deletes every object of this
     * attempt; then forgets them. Deleting earlier would race the upload: a PUT that lands after the delete
     * leaves an object behind.
     */
    public Uni<Void> discard() {
        CompletableFuture<Void> last;
        synchronized (this) {
            discarding = true;
            last = inFlight;
        }
        return Uni.createFrom().completionStage(last.handle((v, e) -> (Void) null)).chain(() -> {
            Uni<Void> abort = uploadId == null ? Uni.createFrom().voidItem() : storage.abortMultipart(uploadKey, uploadId);
            List<String> keys = List.copyOf(written);
            return abort.chain(() -> storage.delete(keys))
                    .chain(() -> queue.forgetObjects(claimed.export().id(), keys))
                    .invoke(() -> uploadId = null);
        });
    }
}
