package io.outport.dataset;

import io.outport.dataset.Column.FilterType;
import io.outport.dataset.Column.Kind;
import io.outport.platform.OutportConfig.DatasetDeclaration;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a declaration and what the source's catalog says about its relation into a {@link Dataset}, or
 * the list of what is wrong with it. Pure: the catalog is read by {@link DatasetCatalog}.
 */
public final class DatasetCheck {

    /** Dataset names: what a URL path segment and an environment variable can both carry. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

    /** The relation as the catalog found it; {@code kind} is pg_class.relkind. */
    public record Relation(long oid, String schema, String name, char kind, boolean canSelect) {
    }

    /** A checked dataset, or the problems; {@code warnings} never stop start-up. */
    public record Result(Dataset dataset, List<String> problems, List<String> warnings) {
    }

    private DatasetCheck() {
    }

    /** The problems of a name alone (before any catalog look-up). */
    public static List<String> nameProblems(String name, Set<String> taken) {
        List<String> p = new ArrayList<>();
        if (!NAME.matcher(name).matches()) {
            p.add("the name must be 1-63 lowercase letters, digits, '_' or '-', starting with a letter");
        }
        if (taken.contains(name)) {
            p.add("the name '" + name + "' is already taken (duplicate name)");
        }
        return p;
    }

    private static final List<String> KEYS = List.of("TABLE", "TENANT_COLUMN", "TIME_COLUMN", "ID_COLUMN", "COLUMNS",
            "FILTERABLE", "INCREMENTAL_COLUMN");

    /**
     * Environment variables under OUTPORT_DATASETS_ that declare no key of a known dataset. Configuration
     * ignores them silently (a name with '_' cannot be told from the key after it, a typo in a key names
     * nothing), so a declaration would go missing without a word; start-up stops instead.
     */
    public static List<String> environmentProblems(Set<String> variables, Set<String> names) {
        Set<String> known = new HashSet<>();
        for (String n : names) {
            for (String k : KEYS) {
                known.add("OUTPORT_DATASETS_" + n.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_" + k);
            }
        }
        List<String> p = new ArrayList<>();
        variables.stream().filter(v -> v.startsWith("OUTPORT_DATASETS_") && !known.contains(v)).sorted().forEach(v -> p.add(
                "the environment variable " + v + " declares nothing: it must be OUTPORT_DATASETS_<NAME>_<KEY> with KEY one of "
                        + KEYS + " and NAME one word of letters and digits (declare names with '_' or '-' in YAML)"));
        return p;
    }

    /**
     * @param relation null when the table does not exist
     * @param indexed  whether an index of the relation starts with (tenant, time, id)
     */
    public static Result check(String name, DatasetDeclaration d, Relation relation, List<CatalogColumn> catalog,
                               boolean indexed) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (relation == null) {
            problems.add("table '" + d.table() + "' does not exist in the source database (or this role cannot see it)");
            return new Result(null, problems, warnings);
        }
        if ("rvmpf".indexOf(relation.kind()) < 0) {
            problems.add("'" + d.table() + "' is not a table or view");
        }
        if (!relation.canSelect()) {
            problems.add("the source role may not SELECT from '" + d.table() + "'; GRANT SELECT ON it");
        }
        Map<String, CatalogColumn> byName = catalog.stream()
                .collect(Collectors.toMap(CatalogColumn::name, Function.identity(), (a, b) -> a));
        Function<String, CatalogColumn> column = c -> {
            CatalogColumn found = byName.get(c);
            if (found == null) {
                problems.add("column '" + c + "' does not exist in " + d.table() + "; it has " + byName.keySet());
            }
            return found;
        };
        CatalogColumn tenant = column.apply(d.tenantColumn());
        CatalogColumn time = column.apply(d.timeColumn());
        CatalogColumn id = column.apply(d.idColumn());
        Dataset.TimeType timeType = null;
        if (time != null) {
            timeType = switch (time.base()) {
                case "timestamptz" -> Dataset.TimeType.TIMESTAMPTZ;
                case "timestamp" -> Dataset.TimeType.TIMESTAMP;
                case "date" -> Dataset.TimeType.DATE;
                default -> null;
            };
            if (timeType == null) {
                problems.add("time-column '" + d.timeColumn() + "' is " + time.type()
                        + "; it must be a timestamptz, timestamp or date");
            }
        }
        List<String> names = d.columns().orElseGet(() -> catalog.stream().map(CatalogColumn::name)
                .filter(c -> !c.equals(d.tenantColumn())).toList());
        repeats("columns", names, problems);
        if (names.isEmpty()) {
            problems.add("columns is empty");
        }
        List<Column> columns = new ArrayList<>();
        for (String c : names) {
            if (c.equals(d.tenantColumn())) {
                problems.add("columns lists the tenant-column '" + c + "', which is never exported");
                continue;
            }
            CatalogColumn found = column.apply(c);
            if (found != null) {
                columns.add(column(found));
            }
        }
        List<String> filterable = d.filterable().orElse(List.of());
        repeats("filterable", filterable, problems);
        for (String f : filterable) {
            Optional<Column> c = columns.stream().filter(x -> x.name().equals(f)).findFirst();
            if (c.isEmpty()) {
                problems.add("filterable column '" + f + "' is not in columns " + names);
            } else if (c.get().filter() == FilterType.NONE) {
                problems.add("filterable column '" + f + "' is " + c.get().type()
                        + "; only scalar columns (numbers, booleans, text, enums, uuid, dates…) can be filtered");
            }
        }
        CatalogColumn incremental = d.incrementalColumn().map(column).orElse(null);
        if (incremental != null && !Set.of("timestamptz", "timestamp", "date", "int2", "int4", "int8", "numeric")
                .contains(incremental.base())) {
            problems.add("incremental-column '" + incremental.name() + "' is " + incremental.type()
                    + "; it must be a timestamp, date or integer that grows with every change");
        }
        if (!problems.isEmpty()) {
            return new Result(null, problems, warnings);
        }
        if ("rmp".indexOf(relation.kind()) >= 0 && !indexed) {
            warnings.add("no index of " + d.table() + " starts with (" + d.tenantColumn() + ", " + d.timeColumn()
                    + ", " + d.idColumn() + "): every export sorts the tenant's rows. Create one: CREATE INDEX ON "
                    + d.table() + " (" + d.tenantColumn() + ", " + d.timeColumn() + ", " + d.idColumn() + ")");
        }
        String relationSql = Dataset.quote(relation.schema()) + "." + Dataset.quote(relation.name());
        return new Result(new Dataset(name, relationSql, tenant.name(), tenant.type(),
                time.name(), timeType, id.name(), id.type(), List.copyOf(columns),
                new LinkedHashSet<>(filterable), true, incremental == null ? null : incremental.name(),
                incremental == null ? null : incremental.type()), problems, warnings);
    }

    private static void repeats(String key, List<String> names, List<String> problems) {
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                problems.add(key + " names '" + n + "' twice (duplicate name)");
            }
        }
    }

    /** How a column of this catalog type is selected and written (see the type table in docs/api.md). */
    static Column column(CatalogColumn c) {
        String ref = "t." + Dataset.quote(c.name());
        if (c.category() == 'A') {
            String sql = switch (String.valueOf(c.element())) {
                // With TimeZone UTC, to_json writes every element "…+00:00": the only place that text occurs.
                case "timestamptz" -> "replace(to_json(" + ref + ")::text, '+00:00\"', 'Z\"')";
                case "bytea" -> "case when " + ref + " is null then null else to_json(array(select translate(encode(e, 'base64'), E'\\n', '') from unnest("
                        + ref + ") e))::text end";
                default -> "to_json(" + ref + ")::text";
            };
            return new Column(c.name(), c.type(), Kind.JSON, sql, FilterType.NONE);
        }
        if (c.typtype() == 'e') {
            return new Column(c.name(), c.type(), Kind.STRING, ref + "::text", FilterType.STRING);
        }
        return switch (c.base()) {
            case "int2", "int4", "int8" -> new Column(c.name(), c.type(), Kind.NUMBER, ref, FilterType.NUMBER);
            case "numeric", "float4", "float8" -> new Column(c.name(), c.type(), Kind.NUMBER, ref + "::text", FilterType.NUMBER);
            case "bool" -> new Column(c.name(), c.type(), Kind.BOOLEAN, ref, FilterType.BOOLEAN);
            case "timestamptz" -> new Column(c.name(), c.type(), Kind.TIMESTAMP, ref, FilterType.STRING);
            case "timestamp" -> new Column(c.name(), c.type(), Kind.LOCAL_TIMESTAMP, ref, FilterType.STRING);
            case "json", "jsonb" -> new Column(c.name(), c.type(), Kind.JSON, ref + "::text", FilterType.NONE);
            case "bytea" -> new Column(c.name(), c.type(), Kind.STRING,
                    "translate(encode(" + ref + ", 'base64'), E'\\n', '')", FilterType.NONE);
            // Sent as they are: a char(n) keeps its padding (a cast to text would trim it).
            case "text", "varchar", "bpchar" -> new Column(c.name(), c.type(), Kind.STRING, ref, FilterType.STRING);
            // The cast to text is the type's output function for these (dates, intervals follow the
            // transaction's ISO settings).
            case "citext", "name", "uuid", "date", "time", "timetz", "interval" ->
                    new Column(c.name(), c.type(), Kind.STRING, ref + "::text", FilterType.STRING);
            // Anything else (inet, money, ranges, composites…) as its output function writes it; a cast to
            // text may differ (inet's adds the netmask), format's %s does not.
            default -> new Column(c.name(), c.type(), Kind.STRING,
                    "case when " + ref + " is null then null else format('%s', " + ref + ") end",
                    c.typtype() == 'b' || c.typtype() == 'd' ? FilterType.STRING : FilterType.NONE);
        };
    }
}
