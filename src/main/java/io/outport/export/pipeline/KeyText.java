package io.outport.export.pipeline;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * A row's (time, id) key as the text PostgreSQL itself writes for those values in an export's snapshot (ISO
 * dates, UTC: see {@link RowSource#SNAPSHOT}), made from the values the client decoded. Parts record the key
 * of their last row and a resumed attempt binds it back ({@code $n::text::timestamptz}), so the text is exactly
 * {@code value::text}: a key written by one version of the service is read by any other. Only the last row of
 * each block is turned into text, where PostgreSQL would write two texts for every row.
 */
final class KeyText {

    private KeyText() {
    }

    /**
     * The time's text: {@code ''} for NULL (a declared time column may hold NULL; the empty key means "no
     * time"), a text as it came ({@link RowSource} selects types it cannot decode exactly as text).
     */
    static String time(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof OffsetDateTime t) {
            if (t.equals(OffsetDateTime.MAX) || t.equals(OffsetDateTime.MIN)) {
                return t.equals(OffsetDateTime.MAX) ? "infinity" : "-infinity";
            }
            return time(t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime(), "+00");
        }
        if (value instanceof LocalDateTime t) {
            return time(t, "");
        }
        return value.toString();
    }

    /** The id's text: integers, UUIDs and texts print as PostgreSQL prints them; null stays null. */
    static String id(Object value) {
        return value == null ? null : value.toString();
    }

    /**
     * {@code 2026-01-15 10:30:00.5+00}: the fraction without trailing zeros, years before 1 as PostgreSQL's BC,
     * its infinities as it names them.
     */
    private static String time(LocalDateTime t, String zone) {
        if (t.equals(LocalDateTime.MAX) || RecordEncoder.minusInfinity(t)) {
            return t.equals(LocalDateTime.MAX) ? "infinity" : "-infinity";
        }
        StringBuilder b = new StringBuilder(32);
        int year = t.getYear();
        boolean bc = year <= 0;
        pad(b, bc ? 1 - year : year, 4);
        b.append('-');
        pad(b, t.getMonthValue(), 2);
        b.append('-');
        pad(b, t.getDayOfMonth(), 2);
        b.append(' ');
        pad(b, t.getHour(), 2);
        b.append(':');
        pad(b, t.getMinute(), 2);
        b.append(':');
        pad(b, t.getSecond(), 2);
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            int width = 6;
            while (micros % 10 == 0) {
                micros /= 10;
                width--;
            }
            b.append('.');
            pad(b, micros, width);
        }
        b.append(zone);
        if (bc) {
            b.append(" BC");
        }
        return b.toString();
    }

    private static void pad(StringBuilder b, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            b.append('0');
        }
        b.append(s);
    }
}
