package io.outport.dataset;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * filters.from/to as values of the time column's own type, so the comparison uses its index: a
 * {@code timestamp} column compares with the UTC wall time, a {@code date} column with the first date whose
 * midnight (UTC) is not before the bound, which keeps {@code [from, to)} exact.
 */
public final class TimeBounds {

    private TimeBounds() {
    }

    public static Object bound(Dataset.TimeType type, OffsetDateTime t) {
        OffsetDateTime utc = t.withOffsetSameInstant(ZoneOffset.UTC);
        return switch (type) {
            case TIMESTAMPTZ -> utc;
            case TIMESTAMP -> utc.toLocalDateTime();
            case DATE -> {
                LocalDate day = utc.toLocalDate();
                yield utc.toLocalTime().equals(LocalTime.MIDNIGHT) ? day : day.plusDays(1);
            }
        };
    }
}
