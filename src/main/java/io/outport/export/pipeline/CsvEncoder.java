package io.outport.export.pipeline;

import io.outport.dataset.Column;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * CSV per RFC 4180: comma-separated, CRLF line ends, a field quoted (with quotes doubled) when it holds a
 * comma, quote, CR or LF; null is an empty field; JSON columns as their JSON text.
 */
final class CsvEncoder implements RecordEncoder {

    private final List<Column> columns;
    private final Column.Kind[] kinds;

    CsvEncoder(List<Column> columns) {
        this.columns = columns;
        this.kinds = columns.stream().map(Column::kind).toArray(Column.Kind[]::new);
    }

    @Override
    public void header(ByteSink out) {
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                out.write((byte) ',');
            }
            field(columns.get(i).name(), out);
        }
        out.write((byte) '\r');
        out.write((byte) '\n');
    }

    @Override
    public void record(Object[] values, ByteSink out) {
        for (int i = 0; i < kinds.length; i++) {
            if (i > 0) {
                out.write((byte) ',');
            }
            Object v = values[i];
            if (v == null) {
                continue;
            }
            switch (kinds[i]) {
                case NUMBER -> RecordEncoder.number(v, out);
                case BOOLEAN -> out.write((Boolean) v ? NdjsonEncoder.TRUE : NdjsonEncoder.FALSE);
                case TIMESTAMP -> RecordEncoder.timestamp((OffsetDateTime) v, out);
                case LOCAL_TIMESTAMP -> RecordEncoder.localTimestamp((LocalDateTime) v, out);
                default -> field((String) v, out);
            }
        }
        out.write((byte) '\r');
        out.write((byte) '\n');
    }

    /**
     * One pass: copies the bytes one place to the right of the field's start, doubling quotes, and notes
     * whether the field needs quoting; if it does, the quotes go around it, else it moves back one place.
     */
    static void field(String s, ByteSink out) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] dst = out.reserve(2 * b.length + 2);
        int start = out.size();
        int p = start + 1;
        // An empty string is quoted so that it differs from null (an empty field).
        boolean quote = b.length == 0;
        for (byte c : b) {
            dst[p++] = c;
            if (c == '"') {
                dst[p++] = '"';
                quote = true;
            } else if (c == ',' || c == '\r' || c == '\n') {
                quote = true;
            }
        }
        if (quote) {
            dst[start] = '"';
            dst[p++] = '"';
            out.size(p);
        } else {
            System.arraycopy(dst, start + 1, dst, start, b.length);
            out.size(start + b.length);
        }
    }
}
