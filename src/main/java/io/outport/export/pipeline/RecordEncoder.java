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
     * RFC 3339 from PostgreSQL's timestamptz output in a UTC session ({@code 2026-01-15 10:30:00.5+00}):
     * {@code T} for the space, {@code Z} for the offset; the fraction is kept as PostgreSQL wrote it
     * (no trailing zeros), the same text the JSON API writes.
     */
    static void timestamp(String text, ByteSink out) {
        int n = text.length();
        if (n < 22 || text.charAt(10) != ' ' || !text.endsWith("+00")) {
            out.utf8(text); // a BC date or a year past 9999: PostgreSQL's text as it is
            return;
        }
        out.ascii(text, 0, 10);
        out.write((byte) 'T');
        out.ascii(text, 11, n - 3);
        out.write((byte) 'Z');
    }
}
