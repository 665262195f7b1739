package io.outport.export.pipeline;

import io.outport.dataset.Column;
import io.outport.dataset.Column.Kind;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pure unit tests of the record encoders (no Quarkus): escaping, nulls, timestamps. */
class EncoderTest {

    private static final List<Column> COLUMNS = List.of(new Column("id", Kind.NUMBER, ""),
            new Column("s", Kind.STRING, ""), new Column("t", Kind.TIMESTAMP, ""), new Column("j", Kind.JSON, ""));

    private static String encode(RecordEncoder encoder, String... values) {
        ByteSink sink = new ByteSink();
        encoder.record(values, sink);
        return new String(sink.array(), 0, sink.size(), StandardCharsets.UTF_8);
    }

    @Test
    void ndjsonEscapesStringsAndWritesJsonRaw() {
        RecordEncoder ndjson = RecordEncoder.of("ndjson", COLUMNS);
        assertEquals("{\"id\":1,\"s\":\"a\\\"b\\\\c\\nd\\r\\te\\u0001ü😀\",\"t\":\"2026-01-15T10:30:00Z\",\"j\":{\"a\": [1]}}\n",
                encode(ndjson, "1", "a\"b\\c\nd\r\te\u0001ü😀", "2026-01-15 10:30:00+00", "{\"a\": [1]}"));
        assertEquals("{\"id\":2,\"s\":null,\"t\":\"2026-01-15T10:30:00.123456Z\",\"j\":null}\n",
                encode(ndjson, "2", null, "2026-01-15 10:30:00.123456+00", null));
    }

    @Test
    void csvQuotesOnlyWhatNeedsQuoting() {
        RecordEncoder csv = RecordEncoder.of("csv", COLUMNS);
        assertEquals("1,plain,2026-01-15T10:30:00.5Z,\"{\"\"a\"\": 1}\"\r\n",
                encode(csv, "1", "plain", "2026-01-15 10:30:00.5+00", "{\"a\": 1}"));
        assertEquals("2,\"a,b\",,\r\n", encode(csv, "2", "a,b", null, null));
        assertEquals("3,\"line\nbreak\",,\r\n", encode(csv, "3", "line\nbreak", null, null));
        assertEquals("4,\"\",,\r\n", encode(csv, "4", "", null, null));
        ByteSink header = new ByteSink();
        csv.header(header);
        assertEquals("id,s,t,j\r\n", new String(header.array(), 0, header.size(), StandardCharsets.UTF_8));
    }

    @Test
    void timestampsOutsideTheUsualRangeKeepPostgresText() {
        ByteSink sink = new ByteSink();
        RecordEncoder.timestamp("10000-01-01 00:00:00+00", sink);
        assertEquals("10000-01-01 00:00:00+00", new String(sink.array(), 0, sink.size(), StandardCharsets.UTF_8));
    }
}
