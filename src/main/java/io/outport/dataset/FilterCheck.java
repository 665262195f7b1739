package io.outport.dataset;

import io.outport.platform.JsonFields;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;

/**
 * Asks the source database whether it can read each filter value as its column's type (an enum label
 * that does not exist, a number too large for an integer column), when the export is created: such a
 * value is a 400 naming the field, never an export that fails later.
 */
@ApplicationScoped
public class FilterCheck {

    private final Datasets datasets;

    public FilterCheck(Datasets datasets) {
        this.datasets = datasets;
    }

    /** Adds to {@code errors} each filter whose values PostgreSQL cannot read as the column's type. */
    public Uni<Void> check(Dataset dataset, Map<String, Object> match, JsonFields errors) {
        if (!dataset.declared() || match.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(match.entrySet())
                .onItem().transformToUniAndConcatenate(m -> {
                    Column column = dataset.column(m.getKey()).orElseThrow();
                    if (column.type().equals("text")) {
                        return Uni.createFrom().voidItem();
                    }
                    // The type name comes from the catalog (format_type), never from the request.
                    String sql = "select $1::text[]::" + column.type() + "[] is not null as ok";
                    return datasets.pool(dataset).preparedQuery(sql).execute(Tuple.of((Object) FilterValues.texts(m.getValue())))
                            .replaceWithVoid()
                            .onFailure(e -> e instanceof PgException pg && pg.getSqlState() != null
                                    && pg.getSqlState().startsWith("22"))
                            .recoverWithItem(e -> {
                                errors.add("filters." + m.getKey(), "is not a valid " + column.type() + ": "
                                        + ((PgException) e).getErrorMessage());
                                return null;
                            });
                })
                .collect().last()
                .replaceWithVoid();
    }
}
