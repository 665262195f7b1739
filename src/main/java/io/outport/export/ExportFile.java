package io.outport.export;

/**
 * One finished part file of an export, as stored in S3, with the (time, id) key of its last row as text
 * (null for a part without rows): a resumed attempt continues after the last part's key. {@code location}: where
 * a part delivered into a tenant's bucket is ({@code s3://bucket/key}); null for a part in Outport's bucket.
 */
public record ExportFile(int part, String objectKey, long rows, long sizeBytes, String sha256, String lastTime,
                         String lastId, String location) {
}
