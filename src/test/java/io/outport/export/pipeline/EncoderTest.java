package io.outport.export.pipeline;

import io.outport.dataset.Column;
import io.outport.dataset.Column.Kind;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pure unit tests of the record encoders (no Quarkus): escaping, nulls, numbers, timestamps. */
class EncoderTest {

    private static final List<Column> COLUMNS = List.of(new Column("id", "", Kind.NUMBER, "", Column.FilterType.NONE),
            new Column("s", "", Kind.STRING, "", Column.FilterType.NONE), new Column("t", "", Kind.TIMESTAMP, "", Column.FilterType.NONE), new Column("j", "", Kind.JSON, "", Column.FilterType.NONE));

    private static String encode(RecordEncoder encoder, Object... values) {
        ByteSink sink = new ByteSink();
        encoder.record(values, sink);
        return new String(sink.array(), 0, sink.size(), StandardCharsets.UTF_8);
    }

    private static String timestamp(String iso) {
        ByteSink sink = new ByteSink();
        RecordEncoder.timestamp(OffsetDateTime.parse(iso), sink);
        return new String(sink.array(), 0, sink.size(), StandardCharsets.UTF_8);
    }

    @Test
    void ndjsonEscapesStringsAndWritesJsonRaw() {
        RecordEncoder ndjson = RecordEncoder.of("ndjson", COLUMNS);
        assertEquals("{\"id\":1,\"s\":\"a\\\"b\\\\c\\nd\\r\\te\\u0001ü😀\",\"t\":\"2026-01-15T10:30:00Z\",\"j\":{\"a\": [1]}}\n",
                encode(ndjson, 1L, "a\"b\\c\nd\r\te\u0001ü😀", OffsetDateTime.parse("2026-01-15T10:30:00Z"), "{\"a\": [1]}"));
        assertEquals("{\"id\":-2,\"s\":null,\"t\":\"2026-01-15T10:30:00.123456Z\",\"j\":null}\n",
                encode(ndjson, -2L, null, OffsetDateTime.parse("2026-01-15T10:30:00.123456Z"), null));
    }

    @Test
    void csvQuotesOnlyWhatNeedsQuoting() {
        RecordEncoder csv = RecordEncoder.of("csv", COLUMNS);
        assertEquals("1,plain,2026-01-15T10:30:00.5Z,\"{\"\"a\"\": 1}\"\r\n",
                encode(csv, 1L, "plain", OffsetDateTime.parse("2026-01-15T10:30:00.5Z"), "{\"a\": 1}"));
        assertEquals("2,\"a,b\",,\r\n", encode(csv, 2L, "a,b", null, null));
        assertEquals("3,\"line\nbreak\",,\r\n", encode(csv, 3L, "line\nbreak", null, null));
        assertEquals("4,\"\",,\r\n", encode(csv, 4L, "", null, null));
        ByteSink header = new ByteSink();
        csv.header(header);
        assertEquals("id,s,t,j\r\n", new String(header.array(), 0, header.size(), StandardCharsets.UTF_8));
    }

    @Test
    void numbersOfEveryWidthAndType() {
        RecordEncoder ndjson = RecordEncoder.of("ndjson", List.of(new Column("n", "", Kind.NUMBER, "", Column.FilterType.NONE)));
        assertEquals("{\"n\":0}\n", encode(ndjson, 0L));
        assertEquals("{\"n\":9223372036854775807}\n", encode(ndjson, Long.MAX_VALUE));
        assertEquals("{\"n\":-9223372036854775808}\n", encode(ndjson, Long.MIN_VALUE));
        assertEquals("{\"n\":1000000}\n", encode(ndjson, 1000000));
        assertEquals("{\"n\":12.50}\n", encode(ndjson, new BigDecimal("12.50")));
    }

    @Test
    void timestampsAreRfc3339InUtcAsTheApiWritesThem() {
        assertEquals("2026-01-15T10:30:00Z", timestamp("2026-01-15T10:30:00Z"));
        assertEquals("2026-01-15T10:30:00.1Z", timestamp("2026-01-15T10:30:00.100Z"));
        assertEquals("2026-01-15T10:30:00.000001Z", timestamp("2026-01-15T10:30:00.000001Z"));
        assertEquals("2026-01-15T08:30:59.999999Z", timestamp("2026-01-15T10:30:59.999999+02:00"));
        assertEquals("0001-01-01T00:00:00Z", timestamp("0001-01-01T00:00:00Z"));
        assertEquals("9999-12-31T23:59:59Z", timestamp("9999-12-31T23:59:59Z"));
    }

    @Test
    void timestampsOutsideTheUsualRangeUseExpandedYearsOrPostgresInfinities() {
        assertEquals("+10000-01-01T00:00:00Z", timestamp("+10000-01-01T00:00:00Z"));
        assertEquals("-0044-03-15T12:00:00Z", timestamp("-0044-03-15T12:00:00Z"));
        ByteSink sink = new ByteSink();
        RecordEncoder.timestamp(OffsetDateTime.MAX, sink);
        sink.write((byte) ' ');
        RecordEncoder.timestamp(OffsetDateTime.MIN, sink);
        assertEquals("infinity -infinity", new String(sink.array(), 0, sink.size(), StandardCharsets.UTF_8));
    }

    @Test
    void numbersAsPostgresTextAreBareExceptTheNonFiniteOnes() {
        RecordEncoder ndjson = RecordEncoder.of("ndjson", List.of(new Column("n", "", Kind.NUMBER, "", Column.FilterType.NONE)));
        RecordEncoder csv = RecordEncoder.of("csv", List.of(new Column("n", "", Kind.NUMBER, "", Column.FilterType.NONE)));
        assertEquals("{\"n\":12345678901234567890.123456789012}\n", encode(ndjson, "12345678901234567890.123456789012"));
        assertEquals("{\"n\":1e+100}\n", encode(ndjson, "1e+100"));
        assertEquals("{\"n\":-1.5e-07}\n", encode(ndjson, "-1.5e-07"));
        assertEquals("{\"n\":\"NaN\"}\n", encode(ndjson, "NaN"));
        assertEquals("{\"n\":\"Infinity\"}\n", encode(ndjson, "Infinity"));
        assertEquals("{\"n\":\"-Infinity\"}\n", encode(ndjson, "-Infinity"));
        assertEquals("NaN\r\n", encode(csv, "NaN"));
        assertEquals("0.1\r\n", encode(csv, "0.1"));
    }

    @Test
    void booleansAndTimestampsWithoutZone() {
        List<Column> columns = List.of(new Column("b", "", Kind.BOOLEAN, "", Column.FilterType.NONE),
                new Column("ts", "", Kind.LOCAL_TIMESTAMP, "", Column.FilterType.NONE));
        RecordEncoder ndjson = RecordEncoder.of("ndjson", columns);
        RecordEncoder csv = RecordEncoder.of("csv", columns);
        assertEquals("{\"b\":true,\"ts\":\"2026-01-15T10:30:00\"}\n",
                encode(ndjson, true, java.time.LocalDateTime.parse("2026-01-15T10:30:00")));
        assertEquals("{\"b\":false,\"ts\":\"2026-01-15T10:30:00.25\"}\n",
                encode(ndjson, false, java.time.LocalDateTime.parse("2026-01-15T10:30:00.250")));
        assertEquals("{\"b\":null,\"ts\":\"infinity\"}\n", encode(ndjson, null, java.time.LocalDateTime.MAX));
        assertEquals("true,2026-01-15T10:30:00.000001\r\n",
                encode(csv, true, java.time.LocalDateTime.parse("2026-01-15T10:30:00.000001")));
        assertEquals(",\r\n", encode(csv, null, null));
    }
}
