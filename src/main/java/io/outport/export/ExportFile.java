package io.outport.export;

/** One part file of a completed export, as stored in S3. */
public record ExportFile(int part, String objectKey, long rows, long sizeBytes, String sha256) {
}
