package io.outport.dataset;

/**
 * One exportable column of a dataset. {@code sql} is the select expression. Integers and timestamps are
 * read in PostgreSQL's binary form (an int8 is cheaper for the database to send than its text), JSON as
 * its text so the encoders never parse it.
 */
public record Column(String name, Kind kind, String sql) {

    /** How an encoder writes the column's value; the comment names the Java type the row holds. */
    public enum Kind {
        /** A JSON number, written bare: a {@link Number} (or its text). */
        NUMBER,
        /** A string, JSON-escaped: a {@link String}. */
        STRING,
        /** A timestamp written as RFC 3339 UTC: a {@link java.time.OffsetDateTime}. */
        TIMESTAMP,
        /** JSON text written as is (an object in NDJSON, its text in CSV): a {@link String}. */
        JSON
    }
}
