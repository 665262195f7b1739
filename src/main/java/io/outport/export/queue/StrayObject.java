package io.outport.export.queue;

import io.vertx.mutiny.sqlclient.Row;

/**
 * An object registered by an attempt that did not complete, to abort (if still uploading) and remove; in the
 * tenant's destination {@code destinationId} (null: Outport's own bucket).
 */
public record StrayObject(String objectKey, String uploadId, java.util.UUID destinationId) {

    static StrayObject from(Row r) {
        return new StrayObject(r.getString("object_key"), r.getString("upload_id"), r.getUUID("destination_id"));
    }
}
