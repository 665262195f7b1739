package io.outport.export.pipeline;

import io.outport.dataset.Column;

import java.util.List;

/**
 * Turns one row (its selected columns, each already rendered as text by PostgreSQL) into the bytes of
 * one record. Encoders are pure and single-threaded: one per running export.
 */
public interface RecordEncoder {

    /** Bytes that open every part file (the CSV header); nothing for NDJSON. */
    void header(ByteSink out);

    /** One record; {@code values[i]} is the text of {@code columns[i]}, or null. */
    void record(String[] values, ByteSink out);

    static RecordEncoder of(String format, List<Column> columns) {
        return switch (format) {
            case "ndjson" -> new NdjsonEncoder(columns);
            case "csv" -> new CsvEncoder(columns);
            default -> throw new IllegalArgumentException("unknown format " + format);
        };
    }

    /**
     * RFC 3339 as PostgreSQL rendered it ({@code …:SS.ffffffZ}), with trailing zeros of the fraction
     * dropped, and the fraction too when it is all zeros: the same text the JSON API writes.
     */
    static String timestamp(String text) {
        int z = text.length() - 1;
        if (z < 8 || text.charAt(z - 7) != '.') {
            return text;
        }
        int end = z;
        while (end > 0 && text.charAt(end - 1) == '0') {
            end--;
        }
        if (end > 0 && text.charAt(end - 1) == '.') {
            end--;
        }
        return end == z ? text : text.substring(0, end) + "Z";
    }
}
