package io.outport.export;

/** The states of an export; docs/architecture.md has the diagram. */
public enum ExportStatus {
    /** Waiting for a worker; claimable once {@code run_at} has passed. */
    queued,
    /** Claimed by a worker that holds a lease renewed by heartbeat. */
    processing,
    /** Every part is written; downloadable until {@code expires_at}. */
    completed,
    /** Attempts used up, or an error that retrying cannot fix. */
    failed,
    /** Canceled by the client before it completed. */
    canceled,
    /** Completed, then its files were deleted after the retention period. */
    expired;

    public boolean finished() {
        return this != queued && this != processing;
    }

    public static ExportStatus parse(String s) {
        for (ExportStatus v : values()) {
            if (v.name().equals(s)) {
                return v;
            }
        }
        return null;
    }
}
