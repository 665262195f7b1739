package io.outport.export;

import io.outport.platform.Json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an export produces, validated: dataset, format, compression, filters, fields and part size.
 * {@code match} holds the column filters as the client gave them (a string or a list of strings).
 * {@code since}: the completed export an incremental export continues (null for a full export), and
 * {@code sinceMark} what that export read (its mark), copied when the export is created. {@code destination}:
 * the tenant's destination the parts are written into (null: Outport's own bucket).
 */
public record ExportSpec(String dataset, String format, String compression, OffsetDateTime from,
                         OffsetDateTime to, Map<String, Object> match, List<String> fields, long maxFileBytes,
                         java.util.UUID since, String sinceMark, java.util.UUID destination) {

    public ExportSpec withSince(java.util.UUID since, String sinceMark) {
        return new ExportSpec(dataset, format, compression, from, to, match, fields, maxFileBytes, since, sinceMark,
                destination);
    }

    public static final long MIN_FILE_BYTES = 5L * 1024 * 1024;
    public static final long MAX_FILE_BYTES = 5L * 1024 * 1024 * 1024;
    public static final long DEFAULT_FILE_BYTES = 100L * 1024 * 1024;

    /** The filters object as stored and returned: from/to normalised to UTC, then the column filters. */
    public Map<String, Object> filters() {
        Map<String, Object> f = new LinkedHashMap<>();
        if (from != null) {
            f.put("from", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(from));
        }
        if (to != null) {
            f.put("to", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(to));
        }
        f.putAll(match);
        return f;
    }

    /** SHA-256 of the normalised request: what Idempotency-Key compares. */
    public byte[] hash() {
        Map<String, Object> canonical = new LinkedHashMap<>();
        canonical.put("dataset", dataset);
        canonical.put("format", format);
        canonical.put("compression", compression);
        canonical.put("filters", new java.util.TreeMap<>(filters()));
        canonical.put("fields", fields);
        canonical.put("max_file_bytes", maxFileBytes);
        if (since != null) {
            canonical.put("since", since.toString());
        }
        if (destination != null) {
            canonical.put("destination", destination.toString());
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(Json.write(canonical).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file extension of a part: {@code ndjson.gz}, {@code csv}, … */
    public String extension() {
        return format + ("gzip".equals(compression) ? ".gz" : "");
    }
}
