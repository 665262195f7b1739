package io.outport.export.pipeline;

import io.outport.dataset.Column;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Turns one row (its selected columns, as the PostgreSQL client decoded them) into the bytes of one
 * record. Encoders are pure and single-threaded: one per running export.
 */
public interface RecordEncoder {

    /** Bytes that open every part file (the CSV header); nothing for NDJSON. */
    void header(ByteSink out);

    /** One record; {@code values[i]} is the value of {@code columns[i]} (see {@link Column.Kind}), or null. */
    void record(Object[] values, ByteSink out);

    static RecordEncoder of(String format, List<Column> columns) {
        return switch (format) {
            case "ndjson" -> new NdjsonEncoder(columns);
            case "csv" -> new CsvEncoder(columns);
            default -> throw new IllegalArgumentException("unknown format " + format);
        };
    }

    /** A number as its decimal text; integers (the common case) without allocating. */
    static void number(Object value, ByteSink out) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            out.decimal(((Number) value).longValue());
        } else {
            out.utf8(value.toString());
        }
    }

    /**
     * True for PostgreSQL's non-finite numbers ({@code NaN}, {@code Infinity}, {@code -Infinity}): the only
     * number texts that end in a letter, and the ones JSON has no number for.
     */
    static boolean nonFinite(Object value) {
        if (value instanceof String s && !s.isEmpty()) {
            char last = s.charAt(s.length() - 1);
            return last >= 'A' && last <= 'z';
        }
        return false;
    }

    /**
     * What the PostgreSQL client decodes {@code -infinity} of a timestamp column into: PostgreSQL sends it as
     * the lowest number of microseconds, and the client (Vert.x 4.5) maps {@code infinity} to {@code MAX} but
     * misses the constant it compares {@code -infinity} with by a day, so the value arrives as this date.
     */
    LocalDateTime DECODED_MINUS_INFINITY = LocalDateTime.of(2000, 1, 1, 0, 0).plus(Long.MIN_VALUE, ChronoUnit.MICROS);

    /** {@code -infinity} of a timestamp column, however the client decoded it. */
    static boolean minusInfinity(LocalDateTime t) {
        return t.equals(LocalDateTime.MIN) || t.equals(DECODED_MINUS_INFINITY);
    }

    /**
     * A timestamp without time zone as ISO 8601 without an offset ({@code 2026-01-15T10:30:00}), the
     * fraction as short as it can be; PostgreSQL's infinities as it names them.
     */
    static void localTimestamp(LocalDateTime value, ByteSink out) {
        if (value.equals(LocalDateTime.MAX) || minusInfinity(value)) {
            out.utf8(value.equals(LocalDateTime.MAX) ? "infinity" : "-infinity");
            return;
        }
        if (value.getYear() < 1 || value.getYear() > 9999) {
            out.utf8(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(value));
            return;
        }
        dateTime(value, out);
    }

    /**
     * RFC 3339 in UTC, as the JSON API writes timestamps: {@code 2026-01-15T10:30:00.5Z}, seconds always,
     * the fraction without trailing zeros. Years outside 0001–9999 use ISO 8601's expanded form
     * ({@code +10000-01-01T00:00:00Z}); PostgreSQL's infinities are written as PostgreSQL names them.
     */
    static void timestamp(OffsetDateTime value, ByteSink out) {
        if (value.equals(OffsetDateTime.MAX) || value.equals(OffsetDateTime.MIN)) {
            out.utf8(value.equals(OffsetDateTime.MAX) ? "infinity" : "-infinity");
            return;
        }
        OffsetDateTime t = value.getOffset().equals(ZoneOffset.UTC) ? value : value.withOffsetSameInstant(ZoneOffset.UTC);
        if (minusInfinity(t.toLocalDateTime())) {
            out.utf8("-infinity");
            return;
        }
        int year = t.getYear();
        if (year < 1 || year > 9999) {
            out.utf8(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t));
            return;
        }
        dateTime(t.toLocalDateTime(), out);
        out.write((byte) 'Z');
    }

    /** {@code yyyy-MM-ddTHH:mm:ss} and the shortest fraction, for a year of four digits. */
    private static void dateTime(LocalDateTime t, ByteSink out) {
        out.digits(t.getYear(), 4);
        out.write((byte) '-');
        out.digits(t.getMonthValue(), 2);
        out.write((byte) '-');
        out.digits(t.getDayOfMonth(), 2);
        out.write((byte) 'T');
        out.digits(t.getHour(), 2);
        out.write((byte) ':');
        out.digits(t.getMinute(), 2);
        out.write((byte) ':');
        out.digits(t.getSecond(), 2);
        int nanos = t.getNano();
        if (nanos != 0) {
            int width = 9;
            while (nanos % 10 == 0) {
                nanos /= 10;
                width--;
            }
            out.write((byte) '.');
            out.digits(nanos, width);
        }
    }
}
