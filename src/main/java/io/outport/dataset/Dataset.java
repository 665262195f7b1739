package io.outport.dataset;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A table a tenant can export: its columns in their default order, the time column that
 * {@code filters.from}/{@code filters.to} bound, and the columns a filter may match on. Rows are always
 * exported in ({@code timeColumn}, {@code idColumn}) order.
 */
public record Dataset(String name, String table, String tenantColumn, String timeColumn, String idColumn,
                      List<Column> columns, Set<String> filterable) {

    public Optional<Column> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }
}
