package io.outport.event;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** All SQL of the events dataset's API: batch insert and keyset-paginated reads. */
@ApplicationScoped
public class EventRepository {

    private static final String INSERT = """
            insert into event (tenant_id, type, occurred_at, user_id, properties)
            select $1, t.type, t.occurred_at, t.user_id, t.properties::jsonb
              from unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[])
                   as t(type, occurred_at, user_id, properties)""";

    private final Pool pool;

    public EventRepository(Pool pool) {
        this.pool = pool;
    }

    /** Inserts the batch in one statement: all rows or none. */
    public Uni<Integer> insert(UUID tenantId, List<NewEvent> events) {
        int n = events.size();
        String[] types = new String[n];
        OffsetDateTime[] times = new OffsetDateTime[n];
        String[] users = new String[n];
        String[] properties = new String[n];
        for (int i = 0; i < n; i++) {
            NewEvent e = events.get(i);
            types[i] = e.type();
            times[i] = e.occurredAt();
            users[i] = e.userId();
            properties[i] = e.properties();
        }
        return pool.preparedQuery(INSERT).execute(Tuple.of(tenantId, types, times, users, properties))
                .map(rows -> rows.rowCount());
    }

    /** One page in (occurred_at, id) order; fetches limit + 1 rows so the caller knows if more follow. */
    public Uni<List<EventView>> page(UUID tenantId, EventQuery q) {
        StringBuilder sql = new StringBuilder("""
                select id, type, occurred_at, user_id, properties::text as properties, received_at
                  from event where tenant_id = $1""");
        List<Object> args = new ArrayList<>();
        args.add(tenantId);
        if (q.from() != null) {
            args.add(q.from());
            sql.append(" and occurred_at >= $").append(args.size());
        }
        if (q.to() != null) {
            args.add(q.to());
            sql.append(" and occurred_at < $").append(args.size());
        }
        if (q.types() != null) {
            args.add(q.types().toArray(String[]::new));
            sql.append(" and type = any($").append(args.size()).append(")");
        }
        if (q.userId() != null) {
            args.add(q.userId());
            sql.append(" and user_id = $").append(args.size());
        }
        if (q.afterTime() != null) {
            args.add(q.afterTime());
            args.add(q.afterId());
            sql.append(" and (occurred_at, id) > ($").append(args.size() - 1).append(", $").append(args.size()).append(")");
        }
        args.add(q.limit() + 1);
        sql.append(" order by occurred_at, id limit $").append(args.size());
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(rows -> {
            List<EventView> page = new ArrayList<>(rows.size());
            for (Row r : rows) {
                page.add(new EventView(r.getLong("id"), r.getString("type"), r.getOffsetDateTime("occurred_at"),
                        r.getString("user_id"), r.getString("properties"), r.getOffsetDateTime("received_at")));
            }
            return page;
        });
    }
}
