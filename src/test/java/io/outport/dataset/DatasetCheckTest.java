package io.outport.dataset;

import io.outport.dataset.Column.FilterType;
import io.outport.dataset.Column.Kind;
import io.outport.export.ExportSpec;
import io.outport.platform.OutportConfig.DatasetDeclaration;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Pure unit tests: a declaration checked against a catalog, the type table, and the export query's shape. */
class DatasetCheckTest {

    private static final DatasetCheck.Relation TABLE = new DatasetCheck.Relation(1, "shop", "orders", 'r', true);

    private static CatalogColumn col(String name, int n, String type, String base) {
        return new CatalogColumn(name, n, type, base, 'b', base.startsWith("_") ? 'A' : 'S',
                base.startsWith("_") ? base.substring(1) : null);
    }

    private static final List<CatalogColumn> ORDERS = List.of(col("id", 1, "bigint", "int8"),
            col("account_id", 2, "text", "text"), col("created_at", 3, "timestamp with time zone", "timestamptz"),
            col("status", 4, "text", "text"), col("total", 5, "numeric(12,2)", "numeric"),
            col("meta", 6, "jsonb", "jsonb"), col("tags", 7, "text[]", "_text"));

    private static Declaration decl(String time, List<String> columns, List<String> filterable) {
        return new Declaration("shop.orders", "account_id", time, "id", Optional.ofNullable(columns),
                Optional.ofNullable(filterable), Optional.empty());
    }

    @Test
    void aGoodDeclarationBecomesADatasetOfQuotedIdentifiersWithoutTheTenantColumn() {
        DatasetCheck.Result r = DatasetCheck.check("orders", decl("created_at", null, List.of("status")), TABLE, ORDERS, true);
        assertEquals(List.of(), r.problems());
        assertEquals(List.of(), r.warnings());
        Dataset d = r.dataset();
        assertEquals("\"shop\".\"orders\"", d.relation());
        assertEquals("account_id", d.tenantColumn());
        assertEquals(List.of("id", "created_at", "status", "total", "meta", "tags"), d.columnNames());
        assertEquals(Dataset.TimeType.TIMESTAMPTZ, d.timeType());
        assertTrue(d.declared());
    }

    @Test
    void everyBrokenDeclarationIsNamedWithWhatIsWrong() {
        assertEquals(List.of("table 'shop.orders' does not exist in the source database (or this role cannot see it)"),
                DatasetCheck.check("o", decl("created_at", null, null), null, List.of(), false).problems());
        List<String> p = DatasetCheck.check("o", decl("total", List.of("id", "nope", "id", "account_id"),
                List.of("status", "meta")), new DatasetCheck.Relation(1, "shop", "orders", 'S', false), ORDERS, false).problems();
        assertTrue(p.contains("'shop.orders' is not a table or view"), p.toString());
        assertTrue(p.contains("the source role may not SELECT from 'shop.orders'; GRANT SELECT ON it"), p.toString());
        assertTrue(p.contains("time-column 'total' is numeric(12,2); it must be a timestamptz, timestamp or date"), p.toString());
        assertTrue(p.stream().anyMatch(x -> x.startsWith("column 'nope' does not exist in shop.orders")), p.toString());
        assertTrue(p.contains("columns names 'id' twice (duplicate name)"), p.toString());
        assertTrue(p.contains("columns lists the tenant-column 'account_id', which is never exported"), p.toString());
        assertTrue(p.contains("filterable column 'status' is not in columns [id, nope, id, account_id]"), p.toString());
        assertTrue(p.contains("filterable column 'meta' is not in columns [id, nope, id, account_id]"), p.toString());
        List<String> json = DatasetCheck.check("o", decl("created_at", null, List.of("meta")), TABLE, ORDERS, true).problems();
        assertEquals(1, json.size());
        assertTrue(json.get(0).startsWith("filterable column 'meta' is jsonb; only scalar columns"), json.toString());
        assertEquals(List.of("the name must be 1-63 lowercase letters, digits, '_' or '-', starting with a letter"),
                DatasetCheck.nameProblems("Orders", Set.of("events")));
        assertEquals(List.of("the name 'events' is already taken (duplicate name)"),
                DatasetCheck.nameProblems("events", Set.of("events")));
    }

    @Test
    void aMissingIndexIsAWarningForTablesOnly() {
        DatasetCheck.Result r = DatasetCheck.check("o", decl("created_at", null, null), TABLE, ORDERS, false);
        assertNotNull(r.dataset());
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).contains("CREATE INDEX ON shop.orders (account_id, created_at, id)"));
        DatasetCheck.Relation view = new DatasetCheck.Relation(1, "shop", "v", 'v', true);
        assertEquals(List.of(), DatasetCheck.check("o", decl("created_at", null, null), view, ORDERS, false).warnings());
    }

    /** The type table: how each PostgreSQL type is selected, written and filtered. */
    @Test
    void everyTypeHasItsSelectExpressionKindAndFilterType() {
        record Case(String base, char typtype, char category, String element, Kind kind, String sql, FilterType filter) {
        }
        List<Case> cases = new ArrayList<>(List.of(
                new Case("int2", 'b', 'N', null, Kind.NUMBER, "t.\"c\"", FilterType.NUMBER),
                new Case("int4", 'b', 'N', null, Kind.NUMBER, "t.\"c\"", FilterType.NUMBER),
                new Case("int8", 'b', 'N', null, Kind.NUMBER, "t.\"c\"", FilterType.NUMBER),
                new Case("numeric", 'b', 'N', null, Kind.NUMBER, "t.\"c\"::text", FilterType.NUMBER),
                new Case("float4", 'b', 'N', null, Kind.NUMBER, "t.\"c\"::text", FilterType.NUMBER),
                new Case("float8", 'b', 'N', null, Kind.NUMBER, "t.\"c\"::text", FilterType.NUMBER),
                new Case("bool", 'b', 'B', null, Kind.BOOLEAN, "t.\"c\"", FilterType.BOOLEAN),
                new Case("text", 'b', 'S', null, Kind.STRING, "t.\"c\"", FilterType.STRING),
                new Case("varchar", 'b', 'S', null, Kind.STRING, "t.\"c\"", FilterType.STRING),
                new Case("bpchar", 'b', 'S', null, Kind.STRING, "t.\"c\"", FilterType.STRING),
                new Case("citext", 'b', 'S', null, Kind.STRING, "t.\"c\"::text", FilterType.STRING),
                new Case("order_status", 'e', 'E', null, Kind.STRING, "t.\"c\"::text", FilterType.STRING),
                new Case("uuid", 'b', 'U', null, Kind.STRING, "t.\"c\"::text", FilterType.STRING),
                new Case("date", 'b', 'D', null, Kind.STRING, "t.\"c\"::text", FilterType.STRING),
                new Case("time", 'b', 'D', null, Kind.STRING, "t.\"c\"::text", FilterType.STRING),
                new Case("interval", 'b', 'T', null, Kind.STRING, "t.\"c\"::text", FilterType.STRING),
                new Case("timestamp", 'b', 'D', null, Kind.LOCAL_TIMESTAMP, "t.\"c\"", FilterType.STRING),
                new Case("timestamptz", 'b', 'D', null, Kind.TIMESTAMP, "t.\"c\"", FilterType.STRING),
                new Case("json", 'b', 'U', null, Kind.JSON, "t.\"c\"::text", FilterType.NONE),
                new Case("jsonb", 'b', 'U', null, Kind.JSON, "t.\"c\"::text", FilterType.NONE),
                new Case("_int4", 'b', 'A', "int4", Kind.JSON, "to_json(t.\"c\")::text", FilterType.NONE),
                new Case("_timestamptz", 'b', 'A', "timestamptz", Kind.JSON,
                        "replace(to_json(t.\"c\")::text, '+00:00\"', 'Z\"')", FilterType.NONE),
                new Case("bytea", 'b', 'U', null, Kind.STRING, "translate(encode(t.\"c\", 'base64'), E'\\n', '')", FilterType.NONE),
                new Case("inet", 'b', 'I', null, Kind.STRING,
                        "case when t.\"c\" is null then null else format('%s', t.\"c\") end", FilterType.STRING),
                new Case("point_pair", 'c', 'C', null, Kind.STRING,
                        "case when t.\"c\" is null then null else format('%s', t.\"c\") end", FilterType.NONE)));
        for (Case c : cases) {
            Column column = DatasetCheck.column(new CatalogColumn("c", 1, c.base(), c.base(), c.typtype(), c.category(), c.element()));
            assertEquals(c.kind(), column.kind(), c.base());
            assertEquals(c.sql(), column.sql(), c.base());
            assertEquals(c.filter(), column.filter(), c.base());
        }
    }

    @Test
    void theExportQueryQuotesEveryIdentifierAndBindsEveryValue() {
        Dataset d = DatasetCheck.check("orders", decl("created_at", null, List.of("status", "total")), TABLE, ORDERS, true).dataset();
        ExportSpec spec = new ExportSpec("orders", "ndjson", "gzip", OffsetDateTime.parse("2026-01-01T00:00:00+02:00"), null,
                Map.of("total", List.of(new BigDecimal("12.50"), 1E+3)), List.of("id", "total"), ExportSpec.DEFAULT_FILE_BYTES,
                null, null, null);
        List<Object> args = new ArrayList<>();
        String sql = io.outport.export.pipeline.RowSource.select(d, d.columns().subList(0, 2), "acct_1", spec,
                io.outport.export.pipeline.RowSource.Resume.FRESH, args);
        assertEquals("select t.\"id\", t.\"created_at\", t.\"created_at\"::timestamptz, t.\"id\" from \"shop\".\"orders\" t"
                + " where t.\"account_id\" = $1::text::text"
                + " and t.\"created_at\" >= $2 and t.\"total\" = any($3::text[]::numeric(12,2)[])"
                + " order by t.\"created_at\", t.\"id\"", sql);
        assertEquals("acct_1", args.get(0));
        assertEquals(OffsetDateTime.parse("2025-12-31T22:00:00Z"), args.get(1));
        assertArrayEquals(new String[]{"12.50", "1000"}, (String[]) args.get(2));
    }

    @Test
    void aResumedIncrementalExportContinuesAfterTheLastKeptRowWithinItsMarkAndAfterTheEarlierOnes() {
        Declaration incremental = new Declaration("shop.orders", "account_id", "created_at", "id", Optional.empty(),
                Optional.empty(), Optional.of("created_at"));
        Dataset d = DatasetCheck.check("orders", incremental, TABLE, ORDERS, true).dataset();
        assertEquals("created_at", d.incrementalColumn());
        assertEquals("bigint", d.idType());
        ExportSpec spec = new ExportSpec("orders", "ndjson", "gzip", null, null, Map.of(), List.of("id"),
                ExportSpec.DEFAULT_FILE_BYTES, java.util.UUID.randomUUID(), "2026-01-01 00:00:00+00", null);
        List<Object> args = new ArrayList<>();
        String sql = io.outport.export.pipeline.RowSource.select(d, d.columns().subList(0, 1), "acct_1", spec,
                new io.outport.export.pipeline.RowSource.Resume("2026-01-02 10:00:00+00", "42", "2026-01-03 00:00:00+00", false),
                args);
        assertEquals("select t.\"id\", t.\"created_at\"::timestamptz, t.\"id\" from \"shop\".\"orders\" t"
                + " where t.\"account_id\" = $1::text::text"
                + " and ((t.\"created_at\", t.\"id\") > ($2::text::timestamptz, $3::text::bigint) or t.\"created_at\" is null)"
                + " and (t.\"created_at\" is null or t.\"created_at\" <= $4::text::timestamp with time zone)"
                + " and t.\"created_at\" > $5::text::timestamp with time zone"
                + " order by t.\"created_at\", t.\"id\"", sql);
        assertEquals(List.of("acct_1", "2026-01-02 10:00:00+00", "42", "2026-01-03 00:00:00+00", "2026-01-01 00:00:00+00"), args);
        // A tenant that had no row when the earlier export ran: every row with a value comes after it.
        List<Object> none = new ArrayList<>();
        String all = io.outport.export.pipeline.RowSource.select(d, d.columns().subList(0, 1), "acct_1", spec.withSince(
                spec.since(), ""), io.outport.export.pipeline.RowSource.Resume.FRESH, none);
        assertTrue(all.contains(" and t.\"created_at\" is not null order by"), all);
        assertEquals(List.of("acct_1"), none);
        // The last kept row had no time (a declared time column may hold NULL, sorted last).
        List<Object> nulls = new ArrayList<>();
        String afterNull = io.outport.export.pipeline.RowSource.select(d, d.columns().subList(0, 1), "acct_1",
                spec.withSince(null, null), new io.outport.export.pipeline.RowSource.Resume("", "7", null, false), nulls);
        assertTrue(afterNull.contains(" and t.\"created_at\" is null and t.\"id\" > $2::text::bigint order by"), afterNull);
        assertEquals(List.of("acct_1", "7"), nulls);
    }

    @Test
    void timeBoundsAreTheColumnsOwnTypeAndKeepTheHalfOpenRangeExact() {
        OffsetDateTime midnight = OffsetDateTime.parse("2026-01-15T01:00:00+01:00");
        OffsetDateTime later = OffsetDateTime.parse("2026-01-15T10:30:00Z");
        assertEquals(LocalDate.parse("2026-01-15"), TimeBounds.bound(Dataset.TimeType.DATE, midnight));
        assertEquals(LocalDate.parse("2026-01-16"), TimeBounds.bound(Dataset.TimeType.DATE, later));
        assertEquals(LocalDateTime.parse("2026-01-15T10:30:00"), TimeBounds.bound(Dataset.TimeType.TIMESTAMP, later));
        assertEquals(later, TimeBounds.bound(Dataset.TimeType.TIMESTAMPTZ, later.withOffsetSameInstant(java.time.ZoneOffset.ofHours(5))));
    }

    @Test
    void filterValuesAreExactText() {
        assertArrayEquals(new String[]{"12345678901234567890.123456789012"},
                FilterValues.texts(new BigDecimal("12345678901234567890.123456789012")));
        assertArrayEquals(new String[]{"true", "7", "paid", "-Infinity"}, FilterValues.texts(List.of(true, 7, "paid", "-Infinity")));
    }
}
