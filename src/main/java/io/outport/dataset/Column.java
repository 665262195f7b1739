package io.outport.dataset;

/**
 * One exportable column of a dataset. {@code sqlText} renders the value as text in SQL so the encoders
 * never decode JSON or timestamps: PostgreSQL formats once, Java only escapes.
 */
public record Column(String name, Kind kind, String sqlText) {

    /** How an encoder writes the column's text. */
    public enum Kind {
        /** A JSON number, written bare. */
        NUMBER,
        /** A string, JSON-escaped. */
        STRING,
        /** A timestamp already formatted as RFC 3339 UTC, written as a JSON string. */
        TIMESTAMP,
        /** JSON text written as is (an object in NDJSON, its text in CSV). */
        JSON
    }
}
