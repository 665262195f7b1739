package io.outport.dataset;

/**
 * One exportable column of a dataset. {@code sql} is the select expression over the relation aliased
 * {@code t}; {@code type} is the PostgreSQL type as {@code format_type} prints it. Integers, booleans and
 * timestamps are read in PostgreSQL's binary form (cheaper for the database to send than their text),
 * everything else as the text the encoders write, so they never parse it.
 */
public record Column(String name, String type, Kind kind, String sql, FilterType filter) {

    /** How an encoder writes the column's value; the comment names the Java type the row holds. */
    public enum Kind {
        /**
         * A JSON number, written bare: a {@link Number}, or its PostgreSQL text. A text that ends in a letter
         * ({@code NaN}, {@code Infinity}, {@code -Infinity}) is not a JSON number and is written as a string.
         */
        NUMBER,
        /** {@code true} / {@code false}: a {@link Boolean}. */
        BOOLEAN,
        /** A string, JSON-escaped: a {@link String}. */
        STRING,
        /** A timestamp written as RFC 3339 UTC: a {@link java.time.OffsetDateTime}. */
        TIMESTAMP,
        /** A timestamp without time zone, written without an offset: a {@link java.time.LocalDateTime}. */
        LOCAL_TIMESTAMP,
        /** JSON text written as is (nested in NDJSON, its text in CSV): a {@link String}. */
        JSON
    }

    /** The JSON type a filter value on this column must have; {@code NONE}: not filterable. */
    public enum FilterType {
        NUMBER, BOOLEAN, STRING, NONE
    }
}
