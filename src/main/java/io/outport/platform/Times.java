package io.outport.platform;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** RFC 3339 timestamps as the API accepts them: with an explicit offset, years 0001 to 9999. */
public final class Times {

    private Times() {
    }

    /** The parsed instant in UTC, or null when {@code text} is not an RFC 3339 timestamp with offset. */
    public static OffsetDateTime parse(String text) {
        if (text == null || text.length() < 20 || text.length() > 40) {
            return null;
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            int year = t.withOffsetSameInstant(ZoneOffset.UTC).getYear();
            return year < 1 || year > 9999 ? null : t.withOffsetSameInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static final String EXPECTED = "must be an RFC 3339 timestamp with offset, e.g. 2026-01-15T10:30:00Z";
}
