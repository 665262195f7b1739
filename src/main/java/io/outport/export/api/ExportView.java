package io.outport.export.api;

import io.outport.export.Export;
import io.outport.export.ExportStatus;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The export resource as GET /v1/exports/{id} returns it (docs/api.md, exports). */
@Schema(name = "Export")
public record ExportView(
        @Schema(description = "UUIDv7") UUID id,
        @Schema(example = "events") String dataset,
        @Schema(enumeration = {"ndjson", "csv"}) String format,
        @Schema(enumeration = {"gzip", "none"}) String compression,
        Map<String, Object> filters,
        List<String> fields,
        long max_file_bytes,
        ExportStatus status,
        @Schema(example = "Export is being processed. Check back in a few seconds.") String message,
        Progress progress,
        @Schema(nullable = true, description = "set on completion") Long row_count,
        @Schema(nullable = true, description = "set on completion: the sum of the parts") Long file_size_bytes,
        @Schema(description = "the finished part files: all of them once completed; while processing, those finished so far (a finished part never changes); for an export into a destination that failed or was canceled, the parts it left there")
        List<FileView> files,
        @Schema(nullable = true, description = "files[0].url once completed; null for an export delivered into a destination") String download_url,
        @Schema(nullable = true, description = "set when failed") ErrorView error,
        int attempts,
        OffsetDateTime created_at,
        @Schema(nullable = true, description = "when the first attempt started") OffsetDateTime started_at,
        @Schema(nullable = true, description = "when the export reached a final state") OffsetDateTime completed_at,
        @Schema(nullable = true, description = "completed_at + the retention period") OffsetDateTime expires_at,
        @Schema(nullable = true, description = "set once completed, for datasets that support incremental exports: pass it as since to export the rows committed after this export's snapshot")
        String watermark,
        @Schema(nullable = true, description = "the watermark this incremental export continues from; null for a full export")
        String since,
        @Schema(nullable = true, description = "the destination (your own bucket) the parts are written into; null: downloaded from Outport")
        UUID destination) {

    @Schema(name = "ExportProgress")
    public record Progress(
            @Schema(description = "rows written so far (those of parts kept from earlier attempts included)") long rows,
            @Schema(description = "bytes stored so far (those of parts kept from earlier attempts included)") long bytes,
            @Schema(nullable = true, description = "rows the export will have: counted in the export's snapshot when an attempt starts (beside the export when it has more than 100,000 rows, long before a tenth of them are written); null until then")
            Long rows_estimated,
            @Schema(minimum = "0", maximum = "100", description = "never goes backwards; 100 only once completed")
            int percent,
            @Schema(nullable = true, description = "seconds until completion at the current attempt's pace; null when unknown or not processing")
            Long eta_seconds) {

        static Progress of(Export e, ExportStatus status, OffsetDateTime now) {
            Long eta = null;
            if (status == ExportStatus.completed || status == ExportStatus.expired) {
                eta = 0L;
            } else if (status == ExportStatus.processing && e.rowsEstimated() != null
                    && e.progressRows() > e.attemptRows() && e.attemptStartedAt() != null) {
                // The pace of this attempt: rows kept from earlier attempts took no time of it.
                double elapsed = Math.max(0, java.time.Duration.between(e.attemptStartedAt(), now).toMillis()) / 1000.0;
                long remaining = Math.max(0, e.rowsEstimated() - e.progressRows());
                eta = (long) Math.ceil(elapsed * remaining / (e.progressRows() - e.attemptRows()));
            }
            return new Progress(e.progressRows(), e.progressBytes(), e.rowsEstimated(), e.progressPercent(), eta);
        }
    }

    @Schema(name = "ExportFile")
    public record FileView(int part, long rows, long size_bytes, String sha256,
                           @Schema(nullable = true, description = "a presigned GET; null when the part was delivered into a destination (see location)")
                           String url,
                           @Schema(nullable = true) Instant url_expires_at,
                           @Schema(nullable = true, example = "s3://acme-exports/outport/0190c0de-7b1e-7000-8000-000000000000/part-00001.ndjson.gz",
                                   description = "where a part delivered into a destination is; null for a part downloaded from Outport")
                           String location) {
    }

    @Schema(name = "ExportError")
    public record ErrorView(String code, String message) {
    }

    static ExportView of(Export e, ExportStatus status, List<FileView> files) {
        String message = switch (status) {
            case queued -> e.unservedSince() == null ? "Export is queued. Check back in a few seconds."
                    : "Waiting for a worker that serves the dataset '" + e.spec().dataset() + "' as declared when this export"
                      + " was created" + (e.spec().destination() == null ? "" : " and holds the key its destination's"
                      + " credentials were encrypted with (OUTPORT_SECRETS_KEY)") + "; none is running (a deployment in"
                      + " progress, or a configuration that changed). The export fails with dataset_unavailable if none"
                      + " appears in time.";
            case processing -> e.cancelRequested() ? "Cancellation requested; the export is stopping."
                    : "Export is being processed. Check back in a few seconds.";
            case completed -> e.spec().destination() == null ? "Export is ready to download."
                    : "Export is delivered: its parts are in your bucket (files[].location).";
            case failed -> "Export failed: " + e.errorMessage();
            case canceled -> "Export was canceled.";
            case expired -> e.spec().destination() == null ? "Export files have expired and were deleted."
                    : "Export has expired; the parts delivered into your bucket stay there.";
        };
        ErrorView error = status == ExportStatus.failed ? new ErrorView(e.errorCode(), e.errorMessage()) : null;
        boolean done = status == ExportStatus.completed || status == ExportStatus.expired;
        return new ExportView(e.id(), e.spec().dataset(), e.spec().format(), e.spec().compression(),
                e.spec().filters(), e.spec().fields(), e.spec().maxFileBytes(), status, message,
                Progress.of(e, status, OffsetDateTime.now(java.time.ZoneOffset.UTC)),
                done ? e.rowCount() : null, done ? e.fileSizeBytes() : null, files,
                done && !files.isEmpty() ? files.get(0).url() : null, error, e.attempt(),
                e.createdAt(), e.startedAt(), status.finished() ? e.finishedAt() : null,
                done ? e.expiresAt() : null, e.watermark(),
                e.spec().since() == null ? null : io.outport.export.Watermarks.of(e.spec().since()), e.spec().destination());
    }
}
