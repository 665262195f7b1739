package io.outport.dataset;

import io.outport.dataset.Column.Kind;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The datasets this deployment exports. Today the built-in {@code events}; declared datasets (any table
 * or view with a tenant and a time column) will register here without touching the export engine.
 */
@ApplicationScoped
public class Datasets {

    public static final Dataset EVENTS = new Dataset("events", "event", "tenant_id", "occurred_at", "id",
            List.of(new Column("id", Kind.NUMBER, "id"),
                    new Column("type", Kind.STRING, "type"),
                    new Column("occurred_at", Kind.TIMESTAMP, "occurred_at"),
                    new Column("user_id", Kind.STRING, "user_id"),
                    new Column("properties", Kind.JSON, "properties::text"),
                    new Column("received_at", Kind.TIMESTAMP, "received_at")),
            Set.of("type", "user_id"));

    private final Map<String, Dataset> byName = Map.of(EVENTS.name(), EVENTS);

    public Optional<Dataset> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
