package io.outport.export.pipeline;

import io.outport.dataset.Column;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;

/** NDJSON: one object per line, keys in the requested order, {@code \n} after every line. */
final class NdjsonEncoder implements RecordEncoder {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

    private final Column.Kind[] kinds;
    private final byte[][] keys;

    NdjsonEncoder(List<Column> columns) {
        kinds = new Column.Kind[columns.size()];
        keys = new byte[columns.size()][];
        for (int i = 0; i < columns.size(); i++) {
            kinds[i] = columns.get(i).kind();
            // Pre-encoded: {"name": for the first key, ,"name": for the others.
            keys[i] = ((i == 0 ? "{" : ",") + "\"" + columns.get(i).name() + "\":").getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void header(ByteSink out) {
        // NDJSON has no header.
    }

    @Override
    public void record(Object[] values, ByteSink out) {
        for (int i = 0; i < kinds.length; i++) {
            out.write(keys[i]);
            Object v = values[i];
            if (v == null) {
                out.write(NULL);
                continue;
            }
            switch (kinds[i]) {
                case NUMBER -> {
                    if (RecordEncoder.nonFinite(v)) {
                        string((String) v, out);
                    } else {
                        RecordEncoder.number(v, out);
                    }
                }
                case BOOLEAN -> out.write((Boolean) v ? TRUE : FALSE);
                case JSON -> out.utf8((String) v);
                case TIMESTAMP -> {
                    out.write((byte) '"');
                    RecordEncoder.timestamp((OffsetDateTime) v, out);
                    out.write((byte) '"');
                }
                case LOCAL_TIMESTAMP -> {
                    out.write((byte) '"');
                    RecordEncoder.localTimestamp((LocalDateTime) v, out);
                    out.write((byte) '"');
                }
                case STRING -> string((String) v, out);
            }
        }
        if (kinds.length == 0) {
            out.write((byte) '{');
        }
        out.write((byte) '}');
        out.write((byte) '\n');
    }

    /**
     * A JSON string: quotes, backslashes and control characters escaped; everything else as UTF-8. Works
     * on the UTF-8 bytes: the characters to escape are ASCII and never occur inside a multi-byte sequence.
     */
    static void string(String s, ByteSink out) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write((byte) '"');
        int run = 0;
        for (int i = 0; i < b.length; i++) {
            byte c = b[i];
            if ((c >= 0x20 || c < 0) && c != '"' && c != '\\') {
                continue;
            }
            out.write(b, run, i);
            run = i + 1;
            out.write((byte) '\\');
            switch (c) {
                case '"' -> out.write((byte) '"');
                case '\\' -> out.write((byte) '\\');
                case '\n' -> out.write((byte) 'n');
                case '\r' -> out.write((byte) 'r');
                case '\t' -> out.write((byte) 't');
                case '\b' -> out.write((byte) 'b');
                case '\f' -> out.write((byte) 'f');
                default -> {
                    out.write((byte) 'u');
                    out.write((byte) '0');
                    out.write((byte) '0');
                    out.write(HEX[c >> 4]);
                    out.write(HEX[c & 15]);
                }
            }
        }
        out.write(b, run, b.length);
        out.write((byte) '"');
    }
}
