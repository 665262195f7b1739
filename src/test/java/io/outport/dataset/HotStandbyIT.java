package io.outport.dataset;

import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.outport.support.StandbyPair;
import io.outport.support.TestInfra;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A declared dataset read from a real hot standby (a streaming replica of a primary, both started by the
 * test) by a SELECT-only role: an export completes there, and a query the standby cancels because replaying
 * the primary's vacuum conflicts with it is retried as a transient failure, not failed.
 */
class HotStandbyIT extends RealProcesses {

    private static final int ROWS = 1_000_000;
    private static final Map<String, Object> EXPORT = Map.of("dataset", "orders", "max_file_bytes", 5242880);

    @Test
    void exportsFromAHotStandbyAndRetriesAQueryCanceledByAConflictWithRecovery() throws Exception {
        assumeTrue(StandbyPair.binaries() != null, "no PostgreSQL server binaries to start a primary and a standby");
        try (StandbyPair pg = StandbyPair.start()) {
            pg.sql("postgres", "create database shop");
            pg.sql("shop", new String(HotStandbyIT.class.getResourceAsStream("/source/schema.sql").readAllBytes()));
            for (String account : List.of("acct_standby", "acct_other")) {
                pg.sql("shop", "insert into shop.orders (account_id, created_at, status, total, customer)"
                        + " select '" + account + "', timestamptz '2026-01-01' + g * interval '1 second', 'paid', g, 'c' || g"
                        + " from generate_series(1, " + ROWS + ") g");
            }
            pg.sql("shop", "vacuum analyze shop.orders");
            pg.awaitReplay();

            Map<String, String> env = infra.entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("outport.datasets.") && !e.getKey().startsWith("quarkus.datasource.source."))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            env.put("quarkus.datasource.source.reactive.url", pg.url(true, "shop"));
            env.put("quarkus.datasource.source.username", TestInfra.SOURCE_ROLE);
            env.put("OUTPORT_DATASETS_ORDERS_TABLE", "shop.orders");
            env.put("OUTPORT_DATASETS_ORDERS_TENANT_COLUMN", "account_id");
            env.put("OUTPORT_DATASETS_ORDERS_TIME_COLUMN", "created_at");
            env.put("OUTPORT_DATASETS_ORDERS_ID_COLUMN", "id");
            try (ServiceProcess p = ServiceProcess.start("standby-reader", env, Map.of())) {
                String key = p.newKey("acct_standby");

                JsonPath plain = p.awaitEnd(key, p.createExport(key, EXPORT), Duration.ofSeconds(180));
                assertEquals("completed", plain.getString("status"), plain.prettify());
                assertEquals(ROWS, plain.getLong("row_count"));
                assertEquals(1, plain.getInt("attempts"));

                String id = p.createExport(key, EXPORT);
                awaitUploading(id);
                // The primary deletes rows the export's snapshot still sees and vacuums them away (a few pages:
                // quick, while the export runs); replaying that cleanup on the standby cancels the export's query
                // at once (max_standby_streaming_delay = 0).
                pg.sql("shop", "delete from shop.orders where account_id = 'acct_other' and id % 1000 = 0");
                pg.sql("shop", "vacuum shop.orders");
                JsonPath retried = p.awaitEnd(key, id, Duration.ofSeconds(180));
                assertEquals("completed", retried.getString("status"), retried.prettify() + p.output());
                assertEquals(ROWS, retried.getLong("row_count"));
                assertEquals(2, retried.getInt("attempts"), p.output());
                // Between two fetches the export's session is idle in its transaction, so the standby ends the
                // session rather than the statement: the worker sees the connection go, a transient failure.
                String log = p.output();
                assertTrue(log.contains(id + ": attempt 1 ended retried"), log);
                assertTrue(log.contains(id + ": attempt 2 ended completed"), log);
                assertTrue(pg.log("standby").contains("conflict with recovery"), pg.log("standby"));
            }
        }
    }
}
