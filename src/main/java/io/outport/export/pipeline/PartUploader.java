package io.outport.export.pipeline;

import io.outport.export.ExportFile;
import io.outport.export.queue.Claimed;
import io.outport.export.queue.ExportQueue;
import io.outport.export.storage.PartStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Uploads the pieces of one attempt's part files into a {@link PartStore}: a part that fits in one piece is a
 * single PUT where the store allows it, otherwise a multipart upload. Every object is registered (fenced by the lease) before its first byte is
 * sent, so an upload can always be found and aborted. A part is recorded (fenced) as soon as its upload
 * completes: it is then downloadable, kept by any later attempt, and never touched again;
 * {@link #discard()} aborts and deletes what this attempt wrote and did not record.
 */
public final class PartUploader {


    /** Thrown when the fence refuses a write: another worker owns the export now. */
    public static final class LeaseLost extends RuntimeException {
        public LeaseLost() {
            super("the lease on the export was lost", null, false, false);
        }
    }

    private final PartStore storage;
    private final ExportQueue queue;
    private final Claimed claimed;
    private final String prefix;
    private final String extension;
    private final String contentType;
    private final List<ExportFile> files = new ArrayList<>();
    private final List<String> written = new ArrayList<>();
    /** Rows and stored bytes of the recorded parts, those of earlier attempts included. */
    private long keptRows;
    private long keptBytes;

    /** The upload under way, or the last one: {@link #discard()} waits for it. Guarded by {@code this}. */
    private CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
    /** Set by {@link #discard()}: no upload starts after it. Guarded by {@code this}. */
    private boolean discarding;
    private String uploadKey;
    private String uploadId;
    private final List<CompletedPart> uploaded = new ArrayList<>();

    public PartUploader(PartStore storage, ExportQueue queue, Claimed claimed, String extension) {
        this.storage = storage;
        this.queue = queue;
        this.claimed = claimed;
        this.prefix = storage.partPrefix(claimed.export());
        this.extension = extension;
        this.contentType = extension.startsWith("csv") ? "text/csv" : "application/x-ndjson";
    }

    /** The parts this attempt recorded. */
    public List<ExportFile> files() {
        return files;
    }

    /** Continues after parts of earlier attempts holding {@code rows} rows in {@code bytes} stored bytes. */
    public void resumeAfter(long rows, long bytes) {
        keptRows = rows;
        keptBytes = bytes;
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
        if (uploadId == null && piece.last() && storage.singlePut()) {
            return register(key, null)
                    .chain(() -> storage.put(key, piece.bytes(), contentType))
                    .invoke(piece::release)
                    .chain(() -> done(key, piece.lastOf()));
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
                .invoke(piece::release)
                .chain(() -> piece.last() ? fenced(key).chain(() -> storage.completeMultipart(uploadKey, uploadId, List.copyOf(uploaded)))
                        .invoke(() -> uploadId = null)
                        .chain(() -> done(key, piece.lastOf())) : Uni.createFrom().voidItem())
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

    /**
     * Where every attempt writes a part to the same key (a tenant's bucket), the lease is checked just before the
     * upload completes: an attempt that was fenced out meanwhile does not replace what the newer one wrote.
     */
    private Uni<Void> fenced(String key) {
        return storage.singlePut() ? Uni.createFrom().voidItem() : register(key, uploadId);
    }

    /** Records the finished part; once recorded it is no longer this attempt's to discard. */
    private Uni<Void> done(String key, PartSummary s) {
        ExportFile file = new ExportFile(s.part(), key, s.rows(), s.sizeBytes(), s.sha256(), s.lastTime(), s.lastId(),
                storage.location(key));
        return queue.recordPart(claimed, file, keptRows + s.rows(), keptBytes + s.sizeBytes()).invoke(ok -> {
            if (!ok) {
                throw new LeaseLost();
            }
            keptRows += s.rows();
            keptBytes += s.sizeBytes();
            files.add(file);
            synchronized (this) {
                written.remove(key);
            }
        }).onFailure(e -> !(e instanceof LeaseLost)).invoke(() -> {
            // Whether the record committed is unknown (the connection failed): never delete the object here.
            // If it did not commit, the object is still registered and whoever ends the export deletes it.
            synchronized (this) {
                written.remove(key);
            }
        }).replaceWithVoid();
    }

    /**
     * Once the upload under way (if any) has ended, aborts the open upload and removes every object of this
     * attempt that the store lets Outport remove ({@link PartStore#removeUnrecorded}); then forgets them. Deleting earlier would race the upload: a PUT that lands after the delete
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
            List<String> keys;
            synchronized (this) {
                keys = List.copyOf(written);
            }
            return abort.chain(() -> storage.removeUnrecorded(keys))
                    .chain(() -> queue.forgetObjects(claimed.export().id(), keys))
                    .invoke(() -> uploadId = null);
        });
    }
}
