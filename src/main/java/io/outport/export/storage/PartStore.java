package io.outport.export.storage;

import io.outport.export.Export;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where the part files of an export are written: Outport's own bucket ({@link ExportStorage}), or a tenant's
 * destination. The pipeline writes through this one interface whichever bucket it is; the two differ only in
 * what the methods below say.
 */
public interface PartStore {

    /** The key prefix (ending in {@code /}) under which one attempt of {@code export} writes its parts. */
    String partPrefix(Export export);

    /**
     * Whether a part that fits in one piece may be written with one PUT. Where it may not, every part is a
     * multipart upload, so that an attempt that stops leaves nothing at the part's key that an abort cannot undo.
     */
    boolean singlePut();

    Uni<Void> put(String key, List<ByteBuffer> bytes, String contentType);

    Uni<String> startMultipart(String key, String contentType);

    Uni<CompletedPart> uploadPart(String key, String uploadId, int partNumber, List<ByteBuffer> bytes);

    Uni<Void> completeMultipart(String key, String uploadId, List<CompletedPart> parts);

    /** Aborts an upload; one that is already gone (or completed) counts as aborted. */
    Uni<Void> abortMultipart(String key, String uploadId);

    /**
     * Objects an attempt wrote and did not record (a failed, canceled or fenced-out attempt): Outport's own bucket
     * deletes them; a tenant's bucket keeps them (Outport never deletes what it wrote there).
     */
    Uni<Void> removeUnrecorded(List<String> keys);

    /**
     * Before an attempt writes anything: aborts the uploads earlier attempts of {@code export} started under its
     * keys and never registered (a crash between starting an upload and recording it). Where every attempt has
     * keys of its own (Outport's bucket), there is nothing to do here: the daily sweep aborts such uploads.
     */
    Uni<Void> abortEarlierUploads(Export export);

    /** What clients are told of where a part is: null when it is downloaded through Outport, else s3://bucket/key. */
    String location(String key);
}
