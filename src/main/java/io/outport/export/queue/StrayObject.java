package io.outport.export.queue;

/** An object registered by an attempt that did not complete, to abort (if still uploading) and delete. */
public record StrayObject(String objectKey, String uploadId) {
}
