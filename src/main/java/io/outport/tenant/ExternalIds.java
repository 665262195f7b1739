package io.outport.tenant;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** A tenant's external_id (what declared datasets' tenant columns hold), for the worker's reads. */
@ApplicationScoped
public class ExternalIds {

    private final Pool pool;

    public ExternalIds(Pool pool) {
        this.pool = pool;
    }

    /** The tenant's external_id; fails when the tenant was deleted. */
    public Uni<String> of(UUID tenantId) {
        return pool.preparedQuery("select external_id from tenant where id = $1").execute(Tuple.of(tenantId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new IllegalArgumentException("the tenant " + tenantId + " no longer exists");
                    }
                    return rows.iterator().next().getString("external_id");
                });
    }
}
