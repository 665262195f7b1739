package io.outport.export;

import io.outport.platform.Json;
import io.outport.platform.Times;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One stored export: the request, its queue state and its results (a row of table {@code export}). */
public record Export(UUID id, UUID tenantId, ExportSpec spec, ExportStatus status, int attempt, int maxAttempts,
                     String leaseOwner, boolean cancelRequested, long progressRows, long progressBytes,
                     Long rowCount, Long fileSizeBytes, String errorCode, String errorMessage,
                     OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime finishedAt,
                     OffsetDateTime expiresAt, Long rowsEstimated, int progressPercent,
                     OffsetDateTime attemptStartedAt, String mark, long attemptRows, String fingerprint,
                     OffsetDateTime unservedSince) {

    /** Columns every query of an export selects; {@link #from(Row)} reads them. */
    public static final String COLUMNS = """
            id, tenant_id, dataset, format, compression, filters::text as filters, fields, max_file_bytes, status, attempt,
            max_attempts, lease_owner, cancel_requested, progress_rows, progress_bytes, row_count, file_size_bytes,
            error_code, error_message, created_at, started_at, finished_at, expires_at, rows_estimated, progress_percent,
            attempt_started_at, mark, since_export, since_mark, attempt_rows, fingerprint, unserved_since, destination_id""";

    public static Export from(Row r) {
        // Read as text and parsed with BigDecimal numbers: a numeric filter value keeps every digit.
        Map<String, Object> filters = Json.readObject(r.getString("filters"));
        JsonArray fieldArray = (JsonArray) r.getValue("fields");
        Map<String, Object> match = new LinkedHashMap<>();
        for (Map.Entry<String, Object> f : filters.entrySet()) {
            if (!f.getKey().equals("from") && !f.getKey().equals("to")) {
                match.put(f.getKey(), f.getValue() instanceof List<?> a ? List.copyOf(a) : f.getValue());
            }
        }
        List<String> fields = new ArrayList<>();
        fieldArray.forEach(f -> fields.add((String) f));
        ExportSpec spec = new ExportSpec(r.getString("dataset"), r.getString("format"), r.getString("compression"),
                Times.parse((String) filters.get("from")), Times.parse((String) filters.get("to")), match,
                List.copyOf(fields), r.getLong("max_file_bytes"), r.getUUID("since_export"), r.getString("since_mark"),
                r.getUUID("destination_id"));
        return new Export(r.getUUID("id"), r.getUUID("tenant_id"), spec, ExportStatus.valueOf(r.getString("status")),
                r.getInteger("attempt"), r.getInteger("max_attempts"), r.getString("lease_owner"),
                r.getBoolean("cancel_requested"), r.getLong("progress_rows"), r.getLong("progress_bytes"),
                r.getLong("row_count"), r.getLong("file_size_bytes"), r.getString("error_code"),
                r.getString("error_message"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("started_at"),
                r.getOffsetDateTime("finished_at"), r.getOffsetDateTime("expires_at"), r.getLong("rows_estimated"),
                r.getInteger("progress_percent"), r.getOffsetDateTime("attempt_started_at"), r.getString("mark"),
                r.getLong("attempt_rows"), r.getString("fingerprint"), r.getOffsetDateTime("unserved_since"));
    }

    /**
     * The watermark a later export passes as {@code since} to continue after this one: for a completed
     * export of a dataset that has one. Opaque to clients; it names this export, which is checked against
     * the caller's tenant and dataset when used.
     */
    public String watermark() {
        if (mark == null || (status != ExportStatus.completed && status != ExportStatus.expired)) {
            return null;
        }
        return Watermarks.of(id);
    }

    /** Completed but past retention: treated as expired even before the reaper has deleted the files. */
    public ExportStatus effectiveStatus(OffsetDateTime now) {
        return status == ExportStatus.completed && expiresAt != null && !expiresAt.isAfter(now)
                ? ExportStatus.expired : status;
    }

    /**
     * Whether an export in {@code status} lists its files: completed, or processing (the parts finished so far), or,
     * into a destination, failed or canceled (what it left in the tenant's bucket stays there, so it stays listed).
     */
    public boolean listsFiles(ExportStatus status) {
        return status == ExportStatus.completed || status == ExportStatus.processing
                || spec.destination() != null && (status == ExportStatus.failed || status == ExportStatus.canceled);
    }
}
