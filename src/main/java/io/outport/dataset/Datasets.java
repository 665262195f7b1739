package io.outport.dataset;

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

    /** The built-in events, declared as an operator declares a table. */
    static final Declaration EVENTS_DECLARATION = new Declaration("event", "tenant_id", "occurred_at", "id",
            Optional.of(List.of("id", "type", "occurred_at", "user_id", "properties", "received_at")),
            Optional.of(List.of("type", "user_id")), Optional.empty());

    /**
     * The event table as the catalog describes it (db/migration): written down rather than read, so that a
     * process needs no catalog query to start (the AOT training start has no database); a test compares it
     * with the real catalog.
     */
    static final List<CatalogColumn> EVENTS_CATALOG = List.of(
            new CatalogColumn("id", 1, "bigint", "int8", 'b', 'N', null),
            new CatalogColumn("tenant_id", 2, "uuid", "uuid", 'b', 'U', null),
            new CatalogColumn("type", 3, "text", "text", 'b', 'S', null),
            new CatalogColumn("occurred_at", 4, "timestamp with time zone", "timestamptz", 'b', 'D', null),
            new CatalogColumn("user_id", 5, "text", "text", 'b', 'S', null),
            new CatalogColumn("properties", 6, "jsonb", "jsonb", 'b', 'U', null),
            new CatalogColumn("received_at", 7, "timestamp with time zone", "timestamptz", 'b', 'D', null),
            new CatalogColumn("xact", 8, "xid8", "xid8", 'b', 'U', null));

    /**
     * The built-in dataset: checked and typed by the same code as a declared one; read from Outport's own
     * database (the table on its search path), its tenant column holding the tenant's id.
     */
    public static final Dataset EVENTS = builtIn(DatasetCheck.check("events", EVENTS_DECLARATION,
            new DatasetCheck.Relation(0, "public", "event", 'r', true), EVENTS_CATALOG, true).dataset());

    private static Dataset builtIn(Dataset d) {
        return new Dataset(d.name(), "event", d.tenantColumn(), d.tenantType(), d.timeColumn(), d.timeType(),
                d.idColumn(), d.idType(), d.columns(), d.filterable(), false, null, null);
    }

    private final Map<String, Dataset> byName;
    private final Map<String, String> fingerprints;
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
        Map<String, String> prints = new LinkedHashMap<>();
        all.values().forEach(d -> prints.put(d.name(), Fingerprint.of(d, source.separate())));
        fingerprints = Collections.unmodifiableMap(prints);
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

    /** The fingerprint of a dataset's declaration on this process ({@link Fingerprint}). */
    public String fingerprint(Dataset dataset) {
        return fingerprints.get(dataset.name());
    }

    /** Every dataset's fingerprint by name: what this process serves as a worker. */
    public Map<String, String> fingerprints() {
        return fingerprints;
    }

    /** The pool a dataset's rows are read from. */
    public Pool pool(Dataset dataset) {
        return dataset.declared() ? source.pool() : mainPool;
    }
}
