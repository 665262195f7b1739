package io.outport.export.pipeline;

/**
 * What a finished part file holds: its rows, stored (compressed) size and SHA-256 of the stored bytes, and
 * the (time, id) key of its last row as text (null when the part has no rows or rows carry no key): where
 * a resumed attempt continues.
 */
public record PartSummary(int part, long rows, long sizeBytes, String sha256, String lastTime, String lastId) {
}
