package io.outport.dataset;

import io.outport.support.Exports;
import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Declarations as an operator writes them, against the packaged service: environment variables and a YAML
 * file named by QUARKUS_CONFIG_LOCATIONS, no source datasource (datasets read from the main database), and
 * broken declarations that stop start-up with a message naming each dataset.
 */
class DeclaredDatasetsIT extends RealProcesses {

    /** The infrastructure without the test suite's own source datasource and declarations. */
    private static Map<String, String> mainOnly;

    @BeforeAll
    static void productTablesInTheMainDatabase() throws Exception {
        mainOnly = infra.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("outport.datasets.") && !e.getKey().startsWith("quarkus.datasource.source."))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        // The product's tables live beside Outport's own (another schema): no source datasource is configured.
        Exports.sql(new String(DeclaredDatasetsIT.class.getResourceAsStream("/source/schema.sql").readAllBytes()));
        Exports.sql("insert into shop.orders (account_id, created_at, status, total) select 'acct_main',"
                + " timestamptz '2026-03-01' + g * interval '1 hour', 'paid', g from generate_series(1, 25) g");
    }

    /** A tenant with external_id acct_main (which an earlier test's tenant gives up) and one of its keys. */
    private static String key(ServiceProcess p) {
        Exports.sql("update tenant set external_id = id::text where external_id = 'acct_main'");
        return p.newKey("acct_main");
    }

    private static List<String> export(ServiceProcess p, String key, String dataset) {
        JsonPath e = p.awaitEnd(key, p.createExport(key, Map.of("dataset", dataset, "fields", List.of("id", "total"))),
                Duration.ofSeconds(60));
        assertEquals("completed", e.getString("status"), e.prettify());
        return Exports.gunzip(Exports.fetch(e.getString("files[0].url"))).lines().toList();
    }

    @Test
    void withoutASourceDatasetsDeclaredInEnvironmentVariablesAreReadFromTheMainDatabase() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("OUTPORT_DATASETS_SHOPORDERS_TABLE", "shop.orders");
        env.put("OUTPORT_DATASETS_SHOPORDERS_TENANT_COLUMN", "account_id");
        env.put("OUTPORT_DATASETS_SHOPORDERS_TIME_COLUMN", "created_at");
        env.put("OUTPORT_DATASETS_SHOPORDERS_ID_COLUMN", "id");
        env.put("OUTPORT_DATASETS_SHOPORDERS_COLUMNS", "id,created_at,total,status");
        env.put("OUTPORT_DATASETS_SHOPORDERS_FILTERABLE", "status");
        env.put("OUTPORT_DATASETS_NOTES_TABLE", "shop.notes");
        env.put("OUTPORT_DATASETS_NOTES_TENANT_COLUMN", "account_id");
        env.put("OUTPORT_DATASETS_NOTES_TIME_COLUMN", "written_on");
        env.put("OUTPORT_DATASETS_NOTES_ID_COLUMN", "id");
        try (ServiceProcess p = ServiceProcess.start("env-datasets", mainOnly, env)) {
            String key = key(p);
            p.as(key).get("/v1/datasets/shoporders").then().statusCode(200)
                    .body("filterable", org.hamcrest.Matchers.contains("status"));
            List<String> rows = export(p, key, "shoporders");
            assertEquals(25, rows.size());
            assertEquals("{\"id\":1,\"total\":1.00}", rows.get(0));
            String log = p.output();
            assertTrue(log.contains("outport.datasets.notes: no index of shop.notes starts with (account_id, written_on, id)"), log);
            assertFalse(log.contains("outport.datasets.shoporders: no index"), log);
        }
    }

    @Test
    void aYamlFileNamedByQuarkusConfigLocationsDeclaresDatasets() throws Exception {
        Path yaml = Files.createTempFile("outport-datasets", ".yaml");
        Files.writeString(yaml, """
                outport:
                  datasets:
                    paid-orders:
                      table: shop.orders
                      tenant-column: account_id
                      time-column: created_at
                      id-column: id
                      columns: [id, total, created_at]
                """);
        try (ServiceProcess p = ServiceProcess.start("yaml-datasets", mainOnly, Map.of("QUARKUS_CONFIG_LOCATIONS", yaml.toString()))) {
            String key = key(p);
            p.as(key).get("/v1/datasets").then().statusCode(200)
                    .body("data.name", org.hamcrest.Matchers.contains("events", "paid-orders"))
                    .body("data[1].columns.name", org.hamcrest.Matchers.contains("id", "total", "created_at"));
            assertEquals(25, export(p, key, "paid-orders").size());
        }
    }

    @Test
    void brokenDeclarationsStopStartUpNamingEachDatasetAndItsProblem() throws Exception {
        Map<String, String> env = new HashMap<>();
        declare(env, "missingtable", "shop.nope", "account_id", "created_at", "id");
        declare(env, "missingcolumn", "shop.orders", "account", "created_at", "id");
        declare(env, "wrongtime", "shop.orders", "account_id", "status", "id");
        declare(env, "notincolumns", "shop.orders", "account_id", "created_at", "id");
        env.put("OUTPORT_DATASETS_NOTINCOLUMNS_COLUMNS", "id,created_at");
        env.put("OUTPORT_DATASETS_NOTINCOLUMNS_FILTERABLE", "status");
        declare(env, "events", "shop.orders", "account_id", "created_at", "id");
        // A name with '_' cannot be told from its key in an environment variable; a typo names no key.
        declare(env, "order_items", "shop.orders", "account_id", "created_at", "id");
        env.put("OUTPORT_DATASETS_EVENTS_TABEL", "shop.orders");
        String output = ServiceProcess.failedStart(mainOnly, env);
        for (String expected : List.of(
                "outport.datasets.missingtable: table 'shop.nope' does not exist in the source database",
                "outport.datasets.missingcolumn: column 'account' does not exist in shop.orders",
                "outport.datasets.wrongtime: time-column 'status' is shop.order_status; it must be a timestamptz, timestamp or date",
                "outport.datasets.notincolumns: filterable column 'status' is not in columns [id, created_at]",
                "outport.datasets.events: the name 'events' is already taken (duplicate name)",
                "outport.datasets: the environment variable OUTPORT_DATASETS_ORDER_ITEMS_TABLE declares nothing",
                "outport.datasets: the environment variable OUTPORT_DATASETS_EVENTS_TABEL declares nothing")) {
            assertTrue(output.contains(expected), expected + "\n" + output);
        }
    }

    private static void declare(Map<String, String> env, String name, String table, String tenant, String time, String id) {
        String prefix = "OUTPORT_DATASETS_" + name.toUpperCase() + "_";
        env.put(prefix + "TABLE", table);
        env.put(prefix + "TENANT_COLUMN", tenant);
        env.put(prefix + "TIME_COLUMN", time);
        env.put(prefix + "ID_COLUMN", id);
    }
}
