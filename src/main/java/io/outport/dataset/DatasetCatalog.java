package io.outport.dataset;

import io.outport.platform.OutportConfig.DatasetDeclaration;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** Reads what the source database's catalog says about a declared dataset, for {@link DatasetCheck}. */
final class DatasetCatalog {

    private static final String RELATION = """
            select c.oid::int8 as oid, n.nspname, c.relname, c.relkind::text as relkind,
                   has_table_privilege(c.oid, 'SELECT') as can_select
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.oid = to_regclass($1)""";

    private static final String COLUMNS = """
            select a.attname, a.attnum::int4 as attnum, format_type(a.atttypid, a.atttypmod) as type,
                   bt.typname as base, bt.typtype::text as typtype, bt.typcategory::text as category,
                   et.typname as element
              from pg_attribute a
              join pg_type t on t.oid = a.atttypid
              join pg_type bt on bt.oid = case when t.typtype = 'd' then t.typbasetype else t.oid end
              left join pg_type et on et.oid = bt.typelem and bt.typcategory = 'A'
             where a.attrelid = $1::int8::oid and a.attnum > 0 and not a.attisdropped
             order by a.attnum""";

    /** Whether an index's first three key columns are (tenant, time, id), in that order. */
    private static final String INDEXED = """
            select exists (select 1 from pg_index i where i.indrelid = $1::int8::oid and i.indnkeyatts >= 3
                             and i.indkey[0] = $2 and i.indkey[1] = $3 and i.indkey[2] = $4) as indexed""";

    private DatasetCatalog() {
    }

    static Uni<DatasetCheck.Result> check(Pool pool, String name, DatasetDeclaration d) {
        return pool.preparedQuery(RELATION).execute(Tuple.of(d.table()))
                .onFailure().transform(e -> new IllegalArgumentException("table '" + d.table()
                        + "' is not a valid table name: " + e.getMessage()))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().item(DatasetCheck.check(name, d, null, List.of(), false));
                    }
                    Row r = rows.iterator().next();
                    DatasetCheck.Relation relation = new DatasetCheck.Relation(r.getLong("oid"), r.getString("nspname"),
                            r.getString("relname"), r.getString("relkind").charAt(0), r.getBoolean("can_select"));
                    return pool.preparedQuery(COLUMNS).execute(Tuple.of(relation.oid())).chain(cols -> {
                        List<CatalogColumn> catalog = new ArrayList<>();
                        for (Row c : cols) {
                            catalog.add(new CatalogColumn(c.getString("attname"), c.getInteger("attnum"),
                                    c.getString("type"), c.getString("base"), c.getString("typtype").charAt(0),
                                    c.getString("category").charAt(0), c.getString("element")));
                        }
                        return indexed(pool, relation, d, catalog)
                                .map(indexed -> DatasetCheck.check(name, d, relation, catalog, indexed));
                    });
                });
    }

    private static Uni<Boolean> indexed(Pool pool, DatasetCheck.Relation relation, DatasetDeclaration d,
                                        List<CatalogColumn> catalog) {
        Integer tenant = attnum(catalog, d.tenantColumn());
        Integer time = attnum(catalog, d.timeColumn());
        Integer id = attnum(catalog, d.idColumn());
        if (tenant == null || time == null || id == null) {
            return Uni.createFrom().item(false);
        }
        return pool.preparedQuery(INDEXED).execute(Tuple.of(relation.oid(), tenant.shortValue(), time.shortValue(),
                id.shortValue())).map(rows -> rows.iterator().next().getBoolean("indexed"));
    }

    private static Integer attnum(List<CatalogColumn> catalog, String name) {
        return catalog.stream().filter(c -> c.name().equals(name)).map(CatalogColumn::attnum).findFirst().orElse(null);
    }
}
