package io.outport.dataset;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A table or view a tenant can export: its columns in their default order, the time column that
 * {@code filters.from}/{@code filters.to} bound, and the columns a filter may match on. Rows are always
 * exported in ({@code timeColumn}, {@code idColumn}) order. Column names are as the catalog spells them and
 * are quoted wherever they go into SQL; {@code relation} is already SQL (quoted and schema-qualified). Nothing
 * a request sends ever becomes an identifier.
 *
 * @param declared   true for a declared dataset (read from the source database, its tenant column holding
 *                   the tenant's external_id); false for the built-in events (tenant column = tenant id)
 * @param tenantType the tenant column's type: the bound external_id is cast to it, so its index serves
 * @param timeType   the time column's type: {@code timestamptz}, {@code timestamp} or {@code date}
 * @param idType     the id column's type as {@code format_type} prints it: a resumed export's key is cast to it
 * @param incrementalColumn the declared column that grows with every change of a row, or null: incremental
 *                   exports ({@code since}) of a declared dataset need one
 */
public record Dataset(String name, String relation, String tenantColumn, String tenantType, String timeColumn,
                      TimeType timeType, String idColumn, String idType, List<Column> columns, Set<String> filterable,
                      boolean declared, String incrementalColumn, String incrementalType) {

    /** The kinds of time column; from/to are bound as the column's own type so its index serves. */
    public enum TimeType { TIMESTAMPTZ, TIMESTAMP, DATE }

    /** Whether exports of this dataset carry a watermark and accept {@code since}. */
    public boolean incremental() {
        return !declared || incrementalColumn != null;
    }

    /** The time column's SQL type, for casting a key read back as text. */
    public String timeSqlType() {
        return switch (timeType) {
            case TIMESTAMPTZ -> "timestamptz";
            case TIMESTAMP -> "timestamp";
            case DATE -> "date";
        };
    }

    public Optional<Column> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    /** A name as a quoted SQL identifier: {@code "Order ""x"""}. */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
