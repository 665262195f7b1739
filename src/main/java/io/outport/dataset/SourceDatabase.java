package io.outport.dataset;

import io.quarkus.arc.InjectableInstance;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.Config;

/**
 * Where declared datasets are read: the named datasource {@code source} (the product's database or a
 * read replica, QUARKUS_DATASOURCE_SOURCE_REACTIVE_URL) when it is configured, else the main database.
 * Quarkus leaves a datasource without a URL inactive, and an inactive pool must not be looked up, so the
 * choice is made from the configuration before the pool is touched.
 */
@ApplicationScoped
public class SourceDatabase {

    private final Pool pool;
    private final boolean separate;

    public SourceDatabase(Pool main, @ReactiveDataSource("source") InjectableInstance<Pool> source, Config config) {
        this.separate = config.getOptionalValue("quarkus.datasource.source.reactive.url", String.class).isPresent()
                && config.getOptionalValue("quarkus.datasource.source.active", Boolean.class).orElse(true);
        this.pool = separate ? source.get() : main;
    }

    /** The pool declared datasets are read from. */
    public Pool pool() {
        return pool;
    }

    /** True when a separate {@code source} datasource is configured. */
    public boolean separate() {
        return separate;
    }
}
