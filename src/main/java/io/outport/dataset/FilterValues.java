package io.outport.dataset;

import java.math.BigDecimal;
import java.util.List;

/**
 * Filter values as the text PostgreSQL reads for the column's type: numbers in plain notation (exactly as
 * given, never through a double), booleans as {@code true}/{@code false}, strings as they are.
 */
public final class FilterValues {

    private FilterValues() {
    }

    /** One value or a list of values (an IN filter) as a text array. */
    public static String[] texts(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(FilterValues::text).toArray(String[]::new);
        }
        return new String[]{text(value)};
    }

    public static String text(Object v) {
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof Double || v instanceof Float) {
            // A double carries no written digits: its shortest form, an integer without ".0".
            return new BigDecimal(v.toString()).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(v);
    }
}
