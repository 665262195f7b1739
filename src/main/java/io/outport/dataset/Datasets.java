package io.outport.dataset;

import io.outport.dataset.Column.FilterType;
import io.outport.dataset.Column.Kind;
import io.outport.platform.Failures;
import io.outport.platform.OutportConfig;
import io.quarkus.runtime.Startup;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The datasets this deployment exports: the built-in {@code events} and every table or view declared under
 * {@code outport.datasets.<name>}, each checked against the source database's catalog when the process
 * starts. A broken declaration stops start-up with a message naming {@code outport.datasets.<name>}.
 */
@Startup
@ApplicationScoped
public class Datasets {

    private static final Logger LOG = Logger.getLogger(Datasets.class);

    public static final Dataset EVENTS = new Dataset("events", "event", "tenant_id", "uuid", "occurred_at",
            Dataset.TimeType.TIMESTAMPTZ, "id",
            List.of(new Column("id", "bigint", Kind.NUMBER, "t.id", FilterType.NUMBER),
                    new Column("type", "text", Kind.STRING, "t.type", FilterType.STRING),
                    new Column("occurred_at", "timestamp with time zone", Kind.TIMESTAMP, "t.occurred_at", FilterType.STRING),
                    new Column("user_id", "text", Kind.STRING, "t.user_id", FilterType.STRING),
                    new Column("properties", "jsonb", Kind.JSON, "t.properties::text", FilterType.NONE),
                    new Column("received_at", "timestamp with time zone", Kind.TIMESTAMP, "t.received_at", FilterType.STRING)),
            new java.util.LinkedHashSet<>(List.of("type", "user_id")), false);

    private final Map<String, Dataset> byName;
    private final Pool mainPool;
    private final SourceDatabase source;

    public Datasets(OutportConfig config, Pool mainPool, SourceDatabase source) {
        this.mainPool = mainPool;
        this.source = source;
        Map<String, Dataset> all = new LinkedHashMap<>();
        all.put(EVENTS.name(), EVENTS);
        List<String> problems = new ArrayList<>();
        for (var e : new java.util.TreeMap<>(config.datasets()).entrySet()) {
            String key = "outport.datasets." + e.getKey();
            List<String> nameProblems = DatasetCheck.nameProblems(e.getKey(), all.keySet());
            if (!nameProblems.isEmpty()) {
                nameProblems.forEach(p -> problems.add(key + ": " + p));
                continue;
            }
            DatasetCheck.Result result;
            try {
                // Start-up runs on the main thread, never an event loop: waiting here is what fails fast.
                result = DatasetCatalog.check(source.pool(), e.getKey(), e.getValue()).await().atMost(Duration.ofSeconds(60));
            } catch (RuntimeException ex) {
                problems.add(key + ": cannot be checked against the " + (source.separate() ? "source" : "main")
                        + " database: " + Failures.describe(ex));
                continue;
            }
            result.problems().forEach(p -> problems.add(key + ": " + p));
            result.warnings().forEach(w -> LOG.warnf("%s: %s", key, w));
            if (result.dataset() != null) {
                all.put(e.getKey(), result.dataset());
            }
        }
        DatasetCheck.environmentProblems(System.getenv().keySet(), config.datasets().keySet())
                .forEach(p -> problems.add("outport.datasets: " + p));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Invalid dataset declaration: " + String.join("; ", problems));
        }
        byName = Collections.unmodifiableMap(all);
        if (all.size() > 1) {
            LOG.infof("datasets: %s (declared ones read from the %s database)", all.keySet(),
                    source.separate() ? "source" : "main");
        }
    }

    public Optional<Dataset> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Set<String> names() {
        return byName.keySet();
    }

    /** Every dataset, the built-in one first, then the declared ones by name. */
    public List<Dataset> all() {
        return List.copyOf(byName.values());
    }

    /** The pool a dataset's rows are read from. */
    public Pool pool(Dataset dataset) {
        return dataset.declared() ? source.pool() : mainPool;
    }
}
