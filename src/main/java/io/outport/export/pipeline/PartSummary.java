package io.outport.export.pipeline;

/** What a finished part file holds: its rows, stored (compressed) size and SHA-256 of the stored bytes. */
public record PartSummary(int part, long rows, long sizeBytes, String sha256) {
}
