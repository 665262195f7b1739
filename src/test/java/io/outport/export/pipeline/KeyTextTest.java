package io.outport.export.pipeline;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A part's key is written in Java from the decoded values and bound back by PostgreSQL as text: for every kind
 * of key value, the text must be exactly what PostgreSQL writes for it in an export's snapshot, whatever
 * the session's own time zone. And the files write what the client decoded the infinities into as PostgreSQL
 * names them.
 */
@QuarkusTest
class KeyTextTest {

    @Inject
    Pool pool;

    /** Each value decoded by the client beside PostgreSQL's text of it, in an export's snapshot settings. */
    private List<Row> decoded(String values, String type) {
        return pool.withTransaction(c -> c.query("set local timezone = 'Asia/Kolkata'").execute()
                        .chain(() -> c.query(RowSource.SNAPSHOT.replace("set transaction isolation level repeatable read, read only;", "")).execute())
                        .chain(() -> c.preparedQuery("select v::" + type + ", v::" + type + "::text from (values " + values + ") x(v)")
                                .execute())
                        .map(rows -> {
                            List<Row> out = new ArrayList<>();
                            rows.forEach(out::add);
                            return out;
                        }))
                .await().atMost(Duration.ofSeconds(30));
    }

    @Test
    void timestampsAreWrittenAsPostgresqlWritesThemInTheSnapshot() {
        String values = "('2026-01-15 10:30:00+00'), ('2026-01-15 10:30:00.5+00'), ('2026-01-15 10:30:00.000120+00'),"
                + " ('2025-12-31 23:59:59.999999-05'), ('1970-01-01 00:00:00+00'), ('0001-01-01 00:00:00+00 BC'),"
                + " ('0044-03-15 12:00:00.25+00 BC'), ('9999-12-31 23:59:59+00'), ('10000-01-01 10:00:00.1+00'),"
                + " ('infinity'), ('-infinity'), ('2000-02-29 00:00:00.000001+13:45')";
        for (String type : List.of("timestamptz", "timestamp")) {
            List<Row> rows = decoded(values, type);
            assertEquals(12, rows.size());
            for (Row r : rows) {
                assertEquals(r.getString(1), KeyText.time(r.getValue(0)), type + " " + r.getValue(0));
            }
        }
    }

    @Test
    void idsAreWrittenAsPostgresqlWritesThem() {
        for (String[] t : new String[][]{
                {"('-9223372036854775808'), ('0'), ('9223372036854775807')", "bigint"},
                {"('-2147483648'), ('42')", "integer"},
                {"('-32768'), ('7')", "smallint"},
                {"('0193A5C2-7D3E-7C1A-9F00-0123456789AB'), ('00000000-0000-0000-0000-000000000000')", "uuid"},
                {"('evt_1'), (''), ('日本 \"q\", x')", "text"}}) {
            for (Row r : decoded(t[0], t[1])) {
                assertEquals(r.getString(1), KeyText.id(r.getValue(0)), t[1]);
            }
        }
        assertNull(KeyText.id(null));
    }

    @Test
    void theFilesWriteTheInfinitiesOfDecodedTimestampsAsPostgresqlNamesThem() {
        // The client decodes -infinity into a date of its own (see RecordEncoder.DECODED_MINUS_INFINITY).
        List<Row> tz = decoded("('infinity'), ('-infinity'), ('2026-01-15 10:30:00.5+00')", "timestamptz");
        List<Row> local = decoded("('infinity'), ('-infinity'), ('2026-01-15 10:30:00.5')", "timestamp");
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ByteSink sink = new ByteSink();
            RecordEncoder.timestamp((java.time.OffsetDateTime) tz.get(i).getValue(0), sink);
            sink.write((byte) ' ');
            RecordEncoder.localTimestamp((java.time.LocalDateTime) local.get(i).getValue(0), sink);
            written.add(new String(sink.array(), 0, sink.size(), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals(List.of("infinity infinity", "-infinity -infinity", "2026-01-15T10:30:00.5Z 2026-01-15T10:30:00.5"),
                written);
    }

    @Test
    void aMissingTimeIsTheEmptyKeyAndATextKeyStaysAsItCame() {
        assertEquals("", KeyText.time(null));
        assertEquals("2026-01-15", KeyText.time("2026-01-15"));
    }
}
