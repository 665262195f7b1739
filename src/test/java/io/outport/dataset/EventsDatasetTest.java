package io.outport.dataset;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The built-in events dataset is what a declaration of the real event table gives. */
@QuarkusTest
class EventsDatasetTest {

    @Inject
    Pool pool;

    @Test
    void theWrittenDownCatalogIsTheRealOne() {
        DatasetCheck.Result real = DatasetCatalog.check(pool, "events", Datasets.EVENTS_DECLARATION)
                .await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of(), real.problems());
        assertEquals(List.of(), real.warnings(), "the (tenant_id, occurred_at, id) index serves exports");
        Dataset d = real.dataset();
        assertEquals(Datasets.EVENTS.columns(), d.columns());
        assertEquals(Datasets.EVENTS.filterable(), d.filterable());
        assertEquals(List.of("tenant_id", "occurred_at", "id", "uuid"),
                List.of(d.tenantColumn(), d.timeColumn(), d.idColumn(), d.tenantType()));
        assertEquals(List.of(Datasets.EVENTS.tenantColumn(), Datasets.EVENTS.timeColumn(), Datasets.EVENTS.idColumn(),
                Datasets.EVENTS.tenantType()), List.of(d.tenantColumn(), d.timeColumn(), d.idColumn(), d.tenantType()));
        assertFalse(Datasets.EVENTS.declared());
        assertEquals("event", Datasets.EVENTS.relation());
    }
}
