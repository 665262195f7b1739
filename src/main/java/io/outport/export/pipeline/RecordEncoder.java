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

    /** RFC 3339 as PostgreSQL rendered it, without a fraction that is all zeros. */
    static String timestamp(String text) {
        return text.endsWith(".000000Z") ? text.substring(0, text.length() - 8) + "Z" : text;
    }
}
