package io.outport.dataset;

import io.outport.export.Csv;
import io.outport.support.Api;
import io.outport.support.Exports;
import io.outport.support.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.outport.support.Exports.body;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real table holding every PostgreSQL type of the file format table, with NULLs and edge values, exported
 * as NDJSON and CSV and compared byte for byte with what the format promises.
 */
@QuarkusTest
class EveryTypeExportTest {

    private static final String COLUMNS = "id, account_id, day, c_int2, c_int4, c_int8, c_numeric, c_real, c_double, c_bool,"
            + " c_text, c_varchar, c_char, c_citext, c_enum, c_uuid, c_date, c_time, c_ts, c_tstz, c_interval, c_json, c_jsonb,"
            + " c_int_arr, c_text_arr, c_num_arr, c_tstz_arr, c_bytea, c_bytea_arr, c_inet, c_range";

    private static void insert(long account) {
        TestInfra.sourceSql("insert into shop.every_type (" + COLUMNS + ") values"
                // Edge values: extreme integers, a numeric of 32 digits, non-finite floats, an empty string,
                // quotes and commas, padding, non-ASCII, NULL-holding and empty arrays, empty bytea.
                + " (1, " + account + ", '2026-01-15', -32768, 2147483647, -9223372036854775808,"
                + "  12345678901234567890.123456789012, 'NaN', 'Infinity', true, '', 'say \"hi\", ok', 'ab', 'MiXeD ✓ 日本',"
                + "  'paid', '0193a5c2-7d3e-7c1a-9f00-0123456789ab', '2026-02-28', '10:30:00.5', '2026-01-15 10:30:00',"
                + "  '2026-01-15 10:30:00.123+02', '1 day 2 hours 30 minutes', '{\"b\": 1, \"a\": [true, null]}',"
                + "  '{\"b\": 1, \"a\": \"x\\ny\"}', '{}', array['a,b', null, 'quote\"d'], '{1.10,NaN}',"
                + "  array[timestamptz '2026-01-15 10:30:00+00', timestamptz '2026-01-15 11:00:00.25+01'], '', array['\\x0001ff'::bytea, null],"
                + "  '192.168.0.1/24', '[1,5)'),"
                // Every nullable column NULL.
                + " (2, " + account + ", '2026-01-15', null, null, null, null, null, null, null, null, null, null, null, null, null,"
                + "  null, null, null, null, null, null, null, null, null, null, null, null, null, null, null),"
                // Ordinary values, and the other non-finite numbers.
                + " (3, " + account + ", '2026-01-16', 7, -8, 9, '-Infinity', 1.5, '-Infinity', false, e'line1\\nline2\\r\\n\"q\"',"
                + "  'v', 'abc', 'x', 'refunded', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '1999-12-31', '23:59:59.999999',"
                + "  '2026-01-15 10:30:00.000001', '1970-01-01 00:00:00+00', '-1 year -2 mons 3 days -00:00:04.5', '[]', 'null',"
                + "  '{{1,2},{3,4}}', '{}', '{}', '{}', '\\x00ff', '{}', '::1', 'empty')");
    }

    private static String export(String key, String format) {
        String id = Exports.create(key, body("dataset", "everytype", "format", format));
        JsonPath done = Exports.await(key, id);
        assertEquals("completed", done.getString("status"), done.prettify());
        return Exports.gunzip(Exports.fetch(done.getString("files[0].url")));
    }

    @Test
    void ndjsonWritesEveryTypeAsTheFormatTableSays() {
        long account = 900_000 + System.nanoTime() % 100_000;
        insert(account);
        String key = Api.newTenantWithKey(Long.toString(account)).key();
        List<String> lines = export(key, "ndjson").lines().toList();
        assertEquals(3, lines.size());
        assertEquals("{\"id\":1,\"day\":\"2026-01-15\",\"c_int2\":-32768,\"c_int4\":2147483647,\"c_int8\":-9223372036854775808,"
                + "\"c_numeric\":12345678901234567890.123456789012,\"c_real\":\"NaN\",\"c_double\":\"Infinity\",\"c_bool\":true,"
                + "\"c_text\":\"\",\"c_varchar\":\"say \\\"hi\\\", ok\",\"c_char\":\"ab \",\"c_citext\":\"MiXeD ✓ 日本\","
                + "\"c_enum\":\"paid\",\"c_uuid\":\"0193a5c2-7d3e-7c1a-9f00-0123456789ab\",\"c_date\":\"2026-02-28\","
                + "\"c_time\":\"10:30:00.5\",\"c_ts\":\"2026-01-15T10:30:00\",\"c_tstz\":\"2026-01-15T08:30:00.123Z\","
                + "\"c_interval\":\"P1DT2H30M\",\"c_json\":{\"b\": 1, \"a\": [true, null]},\"c_jsonb\":{\"a\": \"x\\ny\", \"b\": 1},"
                + "\"c_int_arr\":[],\"c_text_arr\":[\"a,b\",null,\"quote\\\"d\"],\"c_num_arr\":[1.10,\"NaN\"],"
                + "\"c_tstz_arr\":[\"2026-01-15T10:30:00Z\",\"2026-01-15T10:00:00.25Z\"],\"c_bytea\":\"\","
                + "\"c_bytea_arr\":[\"AAH/\",null],\"c_inet\":\"192.168.0.1/24\",\"c_range\":\"[1,5)\"}", lines.get(0));
        assertEquals("{\"id\":2,\"day\":\"2026-01-15\",\"c_int2\":null,\"c_int4\":null,\"c_int8\":null,\"c_numeric\":null,"
                + "\"c_real\":null,\"c_double\":null,\"c_bool\":null,\"c_text\":null,\"c_varchar\":null,\"c_char\":null,"
                + "\"c_citext\":null,\"c_enum\":null,\"c_uuid\":null,\"c_date\":null,\"c_time\":null,\"c_ts\":null,\"c_tstz\":null,"
                + "\"c_interval\":null,\"c_json\":null,\"c_jsonb\":null,\"c_int_arr\":null,\"c_text_arr\":null,\"c_num_arr\":null,"
                + "\"c_tstz_arr\":null,\"c_bytea\":null,\"c_bytea_arr\":null,\"c_inet\":null,\"c_range\":null}", lines.get(1));
        assertEquals("{\"id\":3,\"day\":\"2026-01-16\",\"c_int2\":7,\"c_int4\":-8,\"c_int8\":9,\"c_numeric\":\"-Infinity\","
                + "\"c_real\":1.5,\"c_double\":\"-Infinity\",\"c_bool\":false,\"c_text\":\"line1\\nline2\\r\\n\\\"q\\\"\","
                + "\"c_varchar\":\"v\",\"c_char\":\"abc\",\"c_citext\":\"x\",\"c_enum\":\"refunded\","
                + "\"c_uuid\":\"ffffffff-ffff-ffff-ffff-ffffffffffff\",\"c_date\":\"1999-12-31\",\"c_time\":\"23:59:59.999999\","
                + "\"c_ts\":\"2026-01-15T10:30:00.000001\",\"c_tstz\":\"1970-01-01T00:00:00Z\","
                + "\"c_interval\":\"P-1Y-2M3DT-4.5S\",\"c_json\":[],\"c_jsonb\":null,\"c_int_arr\":[[1,2],[3,4]],"
                + "\"c_text_arr\":[],\"c_num_arr\":[],\"c_tstz_arr\":[],\"c_bytea\":\"AP8=\",\"c_bytea_arr\":[],"
                + "\"c_inet\":\"::1\",\"c_range\":\"empty\"}", lines.get(2));
    }

    @Test
    void csvWritesTheSameValuesAsFieldsWithAnEmptyFieldForNull() {
        long account = 800_000 + System.nanoTime() % 100_000;
        insert(account);
        String key = Api.newTenantWithKey(Long.toString(account)).key();
        String text = export(key, "csv");
        List<List<String>> records = Csv.parse(text);
        assertEquals(4, records.size(), text);
        // A CR LF inside a quoted field is data, not a record end.
        assertEquals("line1\nline2\r\n\"q\"", records.get(3).get(9));
        assertEquals("P-1Y-2M3DT-4.5S", records.get(3).get(19));
        assertEquals("{{1,2},{3,4}}".replace('{', '[').replace('}', ']'), records.get(3).get(22));
        List<String> rows = List.of(text.split("\r\n", -1));
        assertEquals("id,day," + COLUMNS.substring(COLUMNS.indexOf("c_int2")).replace(" ", ""), rows.get(0));
        assertEquals("1,2026-01-15,-32768,2147483647,-9223372036854775808,12345678901234567890.123456789012,NaN,Infinity,true,"
                + "\"\",\"say \"\"hi\"\", ok\",ab ,MiXeD ✓ 日本,paid,0193a5c2-7d3e-7c1a-9f00-0123456789ab,2026-02-28,10:30:00.5,"
                + "2026-01-15T10:30:00,2026-01-15T08:30:00.123Z,P1DT2H30M,\"{\"\"b\"\": 1, \"\"a\"\": [true, null]}\","
                + "\"{\"\"a\"\": \"\"x\\ny\"\", \"\"b\"\": 1}\",[],\"[\"\"a,b\"\",null,\"\"quote\\\"\"d\"\"]\",\"[1.10,\"\"NaN\"\"]\","
                + "\"[\"\"2026-01-15T10:30:00Z\"\",\"\"2026-01-15T10:00:00.25Z\"\"]\",\"\",\"[\"\"AAH/\"\",null]\",192.168.0.1/24,\"[1,5)\"",
                rows.get(1));
        assertEquals("2,2026-01-15" + ",".repeat(28), rows.get(2));
        assertEquals("", rows.get(rows.size() - 1));
    }

    @Test
    void typedFiltersMatchEnumsIntegersBooleansUuidsAndNumerics() {
        long account = 700_000 + System.nanoTime() % 100_000;
        insert(account);
        String key = Api.newTenantWithKey(Long.toString(account)).key();
        for (Map<String, Object> filters : List.of(Map.<String, Object>of("c_enum", "refunded"), Map.<String, Object>of("c_int4", -8),
                Map.<String, Object>of("c_bool", false), Map.<String, Object>of("c_uuid", "FFFFFFFF-ffff-ffff-ffff-ffffffffffff"),
                Map.<String, Object>of("c_numeric", List.of("-Infinity")),
                Map.<String, Object>of("from", "2026-01-15T00:00:01Z"))) {
            String id = Exports.create(key, body("dataset", "everytype", "fields", List.of("id"), "filters", filters));
            JsonPath done = Exports.await(key, id);
            assertEquals("{\"id\":3}\n", Exports.gunzip(Exports.fetch(done.getString("files[0].url"))), filters.toString());
        }
    }
}
