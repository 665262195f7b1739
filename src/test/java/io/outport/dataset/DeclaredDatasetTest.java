package io.outport.dataset;

import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import static io.outport.support.Exports.body;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Declared datasets end to end: tables and a view of a second database (the source datasource) read by a
 * role that may only SELECT, under row-level security; discovery, typed filters, tenant isolation.
 */
@QuarkusTest
class DeclaredDatasetTest {

    private static String account() {
        return "acct_" + System.nanoTime();
    }

    /** Orders of one account: n rows, status cycling, totals i + 0.5, created a minute apart. */
    private static void orders(String account, int n) {
        TestInfra.sourceSql("insert into shop.orders (account_id, created_at, status, total, customer, paid, quantity, tags, meta, ref)"
                + " select '" + account + "', timestamptz '2026-03-01' + g * interval '1 minute',"
                + " (array['pending','paid','shipped','refunded'])[1 + g % 4]::shop.order_status, g + 0.5,"
                + " 'c' || (g % 3), g % 2 = 0, g, array['t' || g, 'x'], jsonb_build_object('g', g), null"
                + " from generate_series(1, " + n + ") g");
    }

    private static List<String> ndjsonLines(String key, Map<String, Object> request) {
        String id = Exports.create(key, request);
        JsonPath done = Exports.await(key, id);
        assertEquals("completed", done.getString("status"), done.prettify());
        StringBuilder all = new StringBuilder();
        for (String url : done.<String>getList("files.url")) {
            all.append(Exports.gunzip(Exports.fetch(url)));
        }
        return all.toString().lines().toList();
    }

    @Test
    void discoveryListsEveryDatasetWithItsColumnsAndTypes() {
        String key = Api.newTenantKey();
        Api.as(key).get("/v1/datasets").then().statusCode(200)
                .body("data.name", contains("events", "everytype", "orders", "unprotected"))
                .body("data[0].time_column", equalTo("occurred_at"))
                .body("data[0].filterable", contains("type", "user_id"));
        Api.as(key).get("/v1/datasets/orders").then().statusCode(200)
                .body("name", equalTo("orders"))
                .body("time_column", equalTo("created_at"))
                .body("id_column", equalTo("id"))
                .body("filterable", contains("status", "customer", "paid", "total", "quantity", "ref"))
                // Every column but the tenant column, in table order, typed as format_type prints them.
                .body("columns.name", contains("id", "created_at", "status", "total", "customer", "paid", "quantity",
                        "tags", "meta", "ref", "updated_at"))
                .body("columns.type", contains("bigint", "timestamp with time zone", "shop.order_status",
                        "numeric(12,2)", "text", "boolean", "integer", "text[]", "jsonb", "uuid", "timestamp with time zone"));
        Api.as(key).get("/v1/datasets/nope").then().statusCode(404)
                .contentType("application/problem+json").body("code", equalTo("not_found"));
        io.restassured.RestAssured.get("/v1/datasets").then().statusCode(401).body("code", equalTo("unauthorized"));
    }

    @Test
    void theSourceRoleMayOnlySelectAndSeesNothingWithoutTheTenantSetting() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + TestInfra.PG_HOST + ":" + TestInfra.pgPort()
                + "/" + TestInfra.sourceDatabase, TestInfra.SOURCE_ROLE, "")) {
            orders(account(), 3);
            ResultSet rs = c.createStatement().executeQuery("select count(*) from shop.orders");
            rs.next();
            assertEquals(0, rs.getLong(1), "row-level security hides every row when outport.tenant is not set");
            SQLException denied = assertThrows(SQLException.class, () -> c.createStatement()
                    .execute("insert into shop.orders (account_id, created_at, status, total) values ('x', now(), 'paid', 1)"));
            assertEquals("42501", denied.getSQLState());
        }
    }

    @Test
    void eachTenantExportsExactlyItsOwnRowsInTimeOrderUnderRowLevelSecurity() {
        String a = account();
        String b = account();
        orders(a, 1200);
        orders(b, 50);
        Api.TenantKey ta = Api.newTenantWithKey(a);
        List<String> lines = ndjsonLines(ta.key(), body("dataset", "orders", "fields", List.of("id", "created_at", "total", "tags")));
        assertEquals(1200, lines.size());
        assertTrue(lines.get(0).matches("\\{\"id\":\\d+,\"created_at\":\"2026-03-01T00:01:00Z\",\"total\":1\\.50,\"tags\":\\[\"t1\",\"x\"\\]}"),
                lines.get(0));
        assertTrue(lines.get(1199).contains("\"total\":1200.50"), lines.get(1199));
        // The view bypasses row-level security (its owner is a superuser): the tenant predicate still holds.
        List<String> viaView = ndjsonLines(ta.key(), body("dataset", "unprotected"));
        assertEquals(1200, viaView.size());
        assertEquals(lines.stream().map(l -> l.substring(0, l.indexOf(','))).toList(),
                viaView.stream().map(l -> l.substring(0, l.indexOf(','))).toList());
        // A tenant whose external_id matches no row exports nothing, not someone else's rows.
        String nobody = Api.newTenantWithKey(account()).key();
        assertEquals(List.of(), ndjsonLines(nobody, body("dataset", "orders")));
    }

    @Test
    void filtersAreTypedByColumn() {
        String a = account();
        orders(a, 40);
        String key = Api.newTenantWithKey(a).key();
        assertEquals(10, ndjsonLines(key, body("dataset", "orders", "filters", Map.of("status", "paid"))).size());
        assertEquals(20, ndjsonLines(key, body("dataset", "orders", "filters", Map.of("status", List.of("paid", "shipped")))).size());
        assertEquals(20, ndjsonLines(key, body("dataset", "orders", "filters", Map.of("paid", true))).size());
        assertEquals(List.of(12), ndjsonLines(key, body("dataset", "orders", "fields", List.of("quantity"),
                "filters", Map.of("total", 12.50))).stream().map(l -> Integer.parseInt(l.replaceAll("\\D", ""))).toList());
        assertEquals(2, ndjsonLines(key, body("dataset", "orders", "filters", Map.of("quantity", List.of(3, 4),
                "from", "2026-03-01T00:00:00Z", "to", "2026-03-01T00:05:00Z"))).size());
    }

    @Test
    void badFiltersAndFieldsAre400sNamingTheFieldAndQueueNothing() {
        Api.TenantKey t = Api.newTenantWithKey(account());
        bad(t.key(), body("dataset", "orders", "filters", Map.of("quantity", "3")), "filters.quantity", "must be a number");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("paid", "yes")), "filters.paid", "must be a boolean");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("customer", 7)), "filters.customer", "must be a string");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("status", List.of("paid", 1))), "filters.status[1]", "must be a string");
        // Values PostgreSQL cannot read as the column's type: found at create time, not by a failing export.
        bad(t.key(), body("dataset", "orders", "filters", Map.of("status", "bogus")), "filters.status", "shop.order_status");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("quantity", 99999999999L)), "filters.quantity", "integer");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("ref", "not-a-uuid")), "filters.ref", "uuid");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("total", 1.5e300)), "filters.total", "numeric(12,2)");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("meta", "x")), "filters.meta", "not a filterable column");
        bad(t.key(), body("dataset", "orders", "fields", List.of("account_id")), "fields[0]", "is not a column");
        bad(t.key(), body("dataset", "orders", "fields", List.of("id\"; drop table shop.orders; --")), "fields[0]", "is not a column");
        bad(t.key(), body("dataset", "orders", "filters", Map.of("status\" = 'x' or \"1", "x")), "filters.status\"", "not a filterable");
        bad(t.key(), body("dataset", "shop.orders"), "dataset", "must be one of");
        // Every bad field at once: those the request shows and those only PostgreSQL can tell.
        Api.as(t.key()).contentType(ContentType.JSON).body(body("dataset", "orders", "fields", List.of("nope"),
                        "filters", Map.of("status", "lost", "customer", 7, "quantity", 2147483648L)))
                .post("/v1/exports").then().statusCode(400)
                .body("errors.field", containsInAnyOrder("fields[0]", "filters.customer", "filters.status", "filters.quantity"));
        assertEquals(0, Exports.count("select count(*) from export where tenant_id = '" + t.tenantId() + "'"));
        assertEquals(1, Long.parseLong(sourceCount("select count(*) from pg_tables where tablename = 'orders'")));
    }

    @Test
    void anExternalIdTheTenantColumnCannotHoldFailsAtOnceSayingWhy() {
        // every_type's tenant column is a bigint: no row can belong to "acct_…", and no retry changes that.
        String key = Api.newTenantWithKey(account()).key();
        String id = Exports.create(key, body("dataset", "everytype"));
        JsonPath failed = Exports.await(key, id);
        assertEquals("failed", failed.getString("status"), failed.prettify());
        assertEquals(1, failed.getInt("attempts"));
        assertEquals("source_query_refused", failed.getString("error.code"));
        assertTrue(failed.getString("error.message").contains("bigint"), failed.getString("error.message"));
    }

    private static String sourceCount(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + TestInfra.PG_HOST + ":" + TestInfra.pgPort()
                + "/" + TestInfra.sourceDatabase, TestInfra.PG_USER, "")) {
            ResultSet rs = c.createStatement().executeQuery(sql);
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void bad(String key, Map<String, Object> request, String field, String message) {
        Api.as(key).contentType(ContentType.JSON).body(request).post("/v1/exports").then().statusCode(400)
                .contentType("application/problem+json")
                .body("code", equalTo("invalid_request"))
                .body("errors.field", hasItem(startsWith(field)))
                .body("errors.message", hasItem(containsString(message)));
    }
}
