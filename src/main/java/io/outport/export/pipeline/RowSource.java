package io.outport.export.pipeline;

import io.outport.dataset.Column;
import io.outport.dataset.Dataset;
import io.outport.export.ExportSpec;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Cursor;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The rows of one export attempt, read through a server-side cursor inside one read-only REPEATABLE READ
 * transaction on a connection of its own: one snapshot, so rows inserted while the export runs are all
 * out of it. Pages are fetched only when requested downstream, so the cursor is read no faster than the
 * files are written.
 */
public final class RowSource {

    /** Rows per cursor fetch. */
    public static final int FETCH = 1000;

    private final SqlConnection connection;
    private final Transaction tx;
    private final Cursor cursor;
    private final int width;

    private RowSource(SqlConnection connection, Transaction tx, Cursor cursor, int width) {
        this.connection = connection;
        this.tx = tx;
        this.cursor = cursor;
        this.width = width;
    }

    public static Uni<RowSource> open(Pool pool, Dataset dataset, List<Column> columns, UUID tenantId, ExportSpec spec) {
        List<Object> args = new ArrayList<>();
        String sql = select(dataset, columns, tenantId, spec, args);
        return pool.getConnection().chain(conn -> conn.begin()
                .call(() -> conn.query("set transaction isolation level repeatable read, read only").execute())
                // Timestamps are rendered as text by PostgreSQL; in UTC they need no conversion in Java.
                .call(() -> conn.query("set local time zone 'UTC'; set local datestyle to 'ISO'").execute())
                .chain(tx -> conn.prepare(sql).map(ps -> new RowSource(conn, tx, ps.cursor(Tuple.from(args)), columns.size())))
                .onFailure().call(() -> conn.close()));
    }

    /** The export's query: the tenant's rows matching the filters, in (time, id) order. */
    static String select(Dataset d, List<Column> columns, UUID tenantId, ExportSpec spec, List<Object> args) {
        StringBuilder sql = new StringBuilder("select ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(columns.get(i).sqlText());
        }
        args.add(tenantId);
        sql.append(" from ").append(d.table()).append(" where ").append(d.tenantColumn()).append(" = $1");
        if (spec.from() != null) {
            args.add(spec.from());
            sql.append(" and ").append(d.timeColumn()).append(" >= $").append(args.size());
        }
        if (spec.to() != null) {
            args.add(spec.to());
            sql.append(" and ").append(d.timeColumn()).append(" < $").append(args.size());
        }
        for (Map.Entry<String, Object> m : spec.match().entrySet()) {
            // Keys were checked against the dataset's filterable columns when the export was created.
            if (!d.filterable().contains(m.getKey())) {
                throw new IllegalArgumentException("filters." + m.getKey() + " is not filterable");
            }
            Object v = m.getValue();
            String[] values = v instanceof List<?> list ? list.stream().map(String::valueOf).toArray(String[]::new)
                    : new String[]{String.valueOf(v)};
            args.add(values);
            sql.append(" and ").append(m.getKey()).append(" = any($").append(args.size()).append(")");
        }
        // Qualified: a bare name would sort by the output column of the same name (the text rendering).
        sql.append(" order by ").append(d.table()).append('.').append(d.timeColumn())
                .append(", ").append(d.table()).append('.').append(d.idColumn());
        return sql.toString();
    }

    /** Pages of rows, each row as the text of its columns; a page is read when downstream asks for it. */
    public Multi<List<String[]>> pages() {
        return Multi.createBy().repeating()
                .uni(() -> cursor.read(FETCH).map(this::texts))
                .whilst(page -> cursor.hasMore());
    }

    private List<String[]> texts(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<String[]> page = new ArrayList<>(rows.size());
        for (Row r : rows) {
            String[] values = new String[width];
            for (int i = 0; i < width; i++) {
                values[i] = r.getString(i);
            }
            page.add(values);
        }
        return page;
    }

    /** Ends the snapshot and returns the connection; never fails. */
    public Uni<Void> close() {
        return cursor.close().onFailure().recoverWithNull()
                .chain(() -> tx.rollback().onFailure().recoverWithNull())
                .eventually(() -> connection.close().onFailure().recoverWithNull())
                .replaceWithVoid();
    }
}
