package io.outport.export.pipeline;

import io.outport.dataset.Column;
import io.outport.dataset.Dataset;
import io.outport.dataset.FilterValues;
import io.outport.dataset.TimeBounds;
import io.outport.export.ExportSpec;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Cursor;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The rows of one export attempt, read through a server-side cursor inside one read-only REPEATABLE READ
 * transaction on a connection of its own: one snapshot, so rows inserted while the export runs are all
 * out of it. Pages are fetched only when requested downstream, so the cursor is read no faster than the
 * files are written.
 */
public final class RowSource {

    private static final Logger LOG = Logger.getLogger(RowSource.class);

    /** Rows per cursor fetch. */
    public static final int FETCH = 1000;

    /**
     * One read-only snapshot, and the plan that streams. The planner plans for the whole result (the
     * extended protocol does not tell it that rows are fetched page by page) and, for a large export,
     * picks a parallel scan and a sort: no row reaches the worker until every row is sorted (about a
     * second per million rows, spilling to disk) while three processes compete with the export for CPU.
     * The (tenant, time, id) index returns the rows already in order from the first page on; without
     * sorts the planner takes such an ordered path wherever one exists, and still sorts where none does.
     * The output settings make the text of dates, intervals and floats what the files promise, whatever
     * the database's defaults: ISO dates, ISO 8601 durations, shortest round-trip floats, UTC.
     */
    static final String SNAPSHOT = "set transaction isolation level repeatable read, read only; set local enable_sort = off;"
            + " set local timezone = 'UTC'; set local datestyle = 'ISO, YMD'; set local intervalstyle = 'iso_8601';"
            + " set local extra_float_digits = 1";

    /** Row-level security on the source sees the tenant through this setting, local to the transaction. */
    static final String TENANT_SETTING = "select set_config('outport.tenant', $1, true)";

    private final SqlConnection connection;
    private final Transaction tx;
    private final Cursor cursor;
    private final int width;
    private final Long rows;
    private final String mark;
    private final Supplier<Uni<Long>> beside;

    private RowSource(SqlConnection connection, Transaction tx, Cursor cursor, int width, Long rows, String mark,
                      Supplier<Uni<Long>> beside) {
        this.connection = connection;
        this.tx = tx;
        this.cursor = cursor;
        this.width = width;
        this.rows = rows;
        this.mark = mark;
        this.beside = beside;
    }

    /**
     * Where an attempt starts reading. {@code afterTime}/{@code afterId}: the key of the last row of the
     * last part an earlier attempt finished (as text), or null. {@code mark}: what the export's first attempt
     * read (see {@link #mark()}), or null for a first attempt. {@code exhausted}: the parts kept already hold
     * every row (an empty export's one empty part).
     */
    public record Resume(String afterTime, String afterId, String mark, boolean exhausted) {
        public static final Resume FRESH = new Resume(null, null, null, false);
    }

    /**
     * What this read covers, recorded with the export so that a resumed attempt reads the same rows and an
     * incremental export continues exactly after it: for events the snapshot ({@code pg_snapshot} as text),
     * for a declared dataset with an incremental column the highest value of that column the tenant had
     * ({@code ''}: none); null for a declared dataset without one.
     */
    public String mark() {
        return mark;
    }

    /**
     * The rows this source will return, counted in its snapshot before the first row is read; null when
     * {@link Count#BESIDE} found more than {@link #COUNTED}: {@link #countBeside()} counts them then.
     */
    public Long rows() {
        return rows;
    }

    /** Rows counted before the first row is read when the export counts beside itself. */
    public static final int COUNTED = 100_000;

    /** How the rows are counted (SPEC: the count is known before a tenth of the rows are written). */
    public enum Count {
        /** {@code count(*)} of every row before the first is read: a second pass over them, in series. */
        FIRST,
        /**
         * At most {@link #COUNTED} rows are counted before the first is read (an index range the export
         * reads in a tenth of a second), which settles most exports; a larger export starts at once and its
         * rows are counted by {@link #countBeside()} on a connection of its own in the same snapshot, while the
         * export is written: no wait before the first row, and a count that walks the index ten times faster
         * than the export writes, so it is known long before a tenth is written.
         */
        BESIDE
    }

    /**
     * When {@link #rows()} is null: counts every row of the source in its snapshot, on another connection of the
     * pool (the source's own stays free for the export), while the source is open. Never fails: null when it
     * could not count, or when the rows were counted already.
     */
    public Uni<Long> countBeside() {
        return beside == null ? Uni.createFrom().nullItem() : beside.get();
    }

    /**
     * @param tenantId  the tenant (the built-in events' tenant column holds it)
     * @param tenantKey the tenant's external_id: what a declared dataset's tenant column holds
     */
    public static Uni<RowSource> open(Pool pool, Dataset dataset, List<Column> columns, UUID tenantId, String tenantKey,
                                      ExportSpec spec, Resume resume, Count counting) {
        List<Object> args = new ArrayList<>();
        Object tenant = dataset.declared() ? tenantKey : tenantId;
        String sql = select(dataset, columns, tenant, spec, resume, args);
        String count = "select count(*)" + from(dataset, tenant, spec, resume, new ArrayList<>());
        // Beside: at most COUNTED rows now, in the export's order (its index path), and the snapshot's name
        // when there are more, for the count beside the export.
        String first = counting == Count.FIRST ? count
                : "select count(*), case when count(*) = " + COUNTED + " then pg_export_snapshot() end from (select 1"
                + from(dataset, tenant, spec, resume, new ArrayList<>()) + " order by t." + Dataset.quote(dataset.timeColumn())
                + ", t." + Dataset.quote(dataset.idColumn()) + " limit " + COUNTED + ") s";
        String markQuery = resume.mark() != null ? null : markQuery(dataset);
        return pool.getConnection().chain(conn -> conn.begin()
                .call(() -> conn.query(SNAPSHOT).execute())
                .call(() -> conn.preparedQuery(TENANT_SETTING).execute(Tuple.of(tenantKey)))
                .chain(tx -> (markQuery == null ? Uni.createFrom().item(resume.mark())
                                : conn.preparedQuery(markQuery).execute(dataset.declared() ? Tuple.of(tenant) : Tuple.tuple())
                                .map(r -> r.iterator().next().getString(0)))
                        .chain(mark -> conn.preparedQuery(first).execute(Tuple.from(args))
                                .map(counted -> counted.iterator().next())
                                .chain(counted -> {
                                    String snapshot = counting == Count.FIRST ? null : counted.getString(1);
                                    Long rows = snapshot == null ? counted.getLong(0) : null;
                                    Supplier<Uni<Long>> beside = snapshot == null ? null
                                            : () -> countBeside(pool, snapshot, tenantKey, count, args);
                                    return conn.prepare(sql).map(ps -> new RowSource(conn, tx,
                                            ps.cursor(Tuple.from(args)), columns.size() + 2, rows, mark, beside));
                                })))
                .onFailure().call(() -> conn.close()));
    }

    /** The count on a connection of its own, in the snapshot {@code snapshot} exported by the source's transaction. */
    private static Uni<Long> countBeside(Pool pool, String snapshot, String tenantKey, String count, List<Object> args) {
        if (!snapshot.matches("[0-9A-Fa-f-]+")) {
            return Uni.createFrom().nullItem();
        }
        return pool.withTransaction(conn -> conn
                        .query("set transaction isolation level repeatable read, read only; set transaction snapshot '"
                                + snapshot + "'").execute()
                        .chain(() -> conn.preparedQuery(TENANT_SETTING).execute(Tuple.of(tenantKey)))
                        .chain(() -> conn.preparedQuery(count).execute(Tuple.from(args)))
                        .map(r -> r.iterator().next().getLong(0)))
                .onFailure().invoke(e -> LOG.debugf("the count beside the export failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** The query of a first attempt's mark, or null when the dataset has none. */
    private static String markQuery(Dataset d) {
        if (!d.declared()) {
            return "select pg_current_snapshot()::text";
        }
        if (d.incrementalColumn() == null) {
            return null;
        }
        String tenantCast = "::text::" + d.tenantType();
        return "select coalesce(max(t." + Dataset.quote(d.incrementalColumn()) + ")::text, '') from " + d.relation()
                + " t where t." + Dataset.quote(d.tenantColumn()) + " = $1" + tenantCast;
    }

    /**
     * The export's query: the tenant's rows matching the filters, in (time, id) order. Identifiers come from
     * the dataset (quoted when it was declared), values are bound; filter values are bound as text and cast
     * to the column's type, so one parameter shape serves every type and the column's index still serves.
     */
    public static String select(Dataset d, List<Column> columns, Object tenant, ExportSpec spec, Resume resume,
                                List<Object> args) {
        StringBuilder sql = new StringBuilder("select ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(columns.get(i).sql());
        }
        // Two more values, never written: the row's (time, id) key, where a part ends and a resumed attempt
        // continues; the writer turns the last row of each block into text (KeyText).
        sql.append(", ").append(timeKey(d)).append(", ").append(idKey(d));
        sql.append(from(d, tenant, spec, resume, args));
        sql.append(" order by t.").append(Dataset.quote(d.timeColumn())).append(", t.").append(Dataset.quote(d.idColumn()));
        return sql.toString();
    }

    /** Id types whose decoded value prints as PostgreSQL's text of it ({@link KeyText#id}). */
    private static final Set<String> ID_TYPES = Set.of("bigint", "integer", "smallint", "uuid", "text");

    /**
     * The time of a row's key: timestamps as the client decodes them (cast to the base type, so a domain's
     * values decode too), whose text {@link KeyText} writes exactly; dates as PostgreSQL's text (the
     * snapshot's settings make it exact). A declared time column may hold NULL (sorted last): its key is
     * then '' (KeyText), which means "no time".
     */
    static String timeKey(Dataset d) {
        String time = "t." + Dataset.quote(d.timeColumn());
        return switch (d.timeType()) {
            case TIMESTAMPTZ -> time + "::timestamptz";
            case TIMESTAMP -> time + "::timestamp";
            case DATE -> "coalesce(" + time + "::text, '')";
        };
    }

    /** The id of a row's key: as the client decodes it where its text is PostgreSQL's, as text otherwise. */
    static String idKey(Dataset d) {
        String id = "t." + Dataset.quote(d.idColumn());
        return ID_TYPES.contains(d.idType()) ? id : id + "::text";
    }

    /** The export's rows without their order: {@code from … where …}, binding the values into {@code args}. */
    static String from(Dataset d, Object tenant, ExportSpec spec, Resume resume, List<Object> args) {
        StringBuilder sql = new StringBuilder();
        args.add(tenant);
        sql.append(" from ").append(d.relation()).append(" t where t.").append(Dataset.quote(d.tenantColumn())).append(" = $1");
        if (tenant instanceof String) {
            sql.append("::text::").append(d.tenantType());
        }
        if (spec.from() != null) {
            args.add(TimeBounds.bound(d.timeType(), spec.from()));
            sql.append(" and t.").append(Dataset.quote(d.timeColumn())).append(" >= $").append(args.size());
        }
        if (spec.to() != null) {
            args.add(TimeBounds.bound(d.timeType(), spec.to()));
            sql.append(" and t.").append(Dataset.quote(d.timeColumn())).append(" < $").append(args.size());
        }
        for (Map.Entry<String, Object> m : spec.match().entrySet()) {
            // Keys were checked against the dataset's filterable columns when the export was created.
            Column column = d.filterable().contains(m.getKey()) ? d.column(m.getKey()).orElse(null) : null;
            if (column == null) {
                throw new IllegalArgumentException("filters." + m.getKey() + " is not filterable");
            }
            args.add(FilterValues.texts(m.getValue()));
            sql.append(" and t.").append(Dataset.quote(column.name())).append(" = any($").append(args.size())
                    .append("::text[]");
            if (!column.type().equals("text")) {
                sql.append("::").append(column.type()).append("[]");
            }
            sql.append(")");
        }
        bounds(d, spec, resume, args, sql);
        return sql.toString();
    }

    /**
     * The rows of an incremental export (those after the earlier export's mark), of a resumed attempt (those
     * the first attempt read, after the last kept row), bound like filters.
     */
    private static void bounds(Dataset d, ExportSpec spec, Resume resume, List<Object> args, StringBuilder sql) {
        if (resume.exhausted()) {
            sql.append(" and false");
            return;
        }
        String time = "t." + Dataset.quote(d.timeColumn());
        String id = "t." + Dataset.quote(d.idColumn());
        if (resume.afterTime() != null && resume.afterTime().isEmpty()) {
            // The last kept row had no time: only rows without a time, after it by id, remain.
            args.add(resume.afterId());
            sql.append(" and ").append(time).append(" is null and ").append(id).append(" > $").append(args.size())
                    .append("::text::").append(d.idType());
        } else if (resume.afterTime() != null) {
            args.add(resume.afterTime());
            args.add(resume.afterId());
            // A row comparison the (tenant, time, id) index serves; rows of a declared dataset without a time
            // sort after every other and so always remain.
            sql.append(" and ").append(d.declared() ? "((" : "(").append(time).append(", ").append(id)
                    .append(") > ($").append(args.size() - 1).append("::text::").append(d.timeSqlType())
                    .append(", $").append(args.size()).append("::text::").append(d.idType()).append(")");
            if (d.declared()) {
                sql.append(" or ").append(time).append(" is null)");
            }
        }
        if (!d.declared()) {
            // Events carry the id of the transaction that inserted them: compared with snapshots, not clocks.
            if (resume.mark() != null) {
                args.add(resume.mark());
                sql.append(" and pg_visible_in_snapshot(t.xact, $").append(args.size()).append("::text::pg_snapshot)");
            }
            if (spec.sinceMark() != null) {
                args.add(spec.sinceMark());
                sql.append(" and not pg_visible_in_snapshot(t.xact, $").append(args.size()).append("::text::pg_snapshot)");
            }
            return;
        }
        if (d.incrementalColumn() == null) {
            return;
        }
        String column = "t." + Dataset.quote(d.incrementalColumn());
        if (resume.mark() != null) {
            if (resume.mark().isEmpty()) {
                sql.append(" and ").append(column).append(" is null");
            } else {
                args.add(resume.mark());
                sql.append(" and (").append(column).append(" is null or ").append(column).append(" <= $")
                        .append(args.size()).append("::text::").append(d.incrementalType()).append(")");
            }
        }
        if (spec.sinceMark() != null) {
            if (spec.sinceMark().isEmpty()) {
                sql.append(" and ").append(column).append(" is not null");
            } else {
                args.add(spec.sinceMark());
                sql.append(" and ").append(column).append(" > $").append(args.size()).append("::text::")
                        .append(d.incrementalType());
            }
        }
    }

    /** Pages of rows, each row as its columns' values; a page is read when downstream asks for it. */
    public Multi<List<Object[]>> pages() {
        return Multi.createBy().repeating()
                .uni(() -> cursor.read(FETCH).map(this::values))
                .whilst(page -> cursor.hasMore());
    }

    private List<Object[]> values(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Object[]> page = new ArrayList<>(rows.size());
        for (Row r : rows) {
            Object[] values = new Object[width];
            for (int i = 0; i < width; i++) {
                values[i] = r.getValue(i);
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
