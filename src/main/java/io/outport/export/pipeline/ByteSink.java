package io.outport.export.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer that encoders write UTF-8 into; reused for every batch of rows. */
public final class ByteSink {

    private byte[] bytes = new byte[64 * 1024];
    private int size;

    public void reset() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public byte[] array() {
        return bytes;
    }

    void ensure(int extra) {
        if (size + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
        }
    }

    public void write(byte b) {
        ensure(1);
        bytes[size++] = b;
    }

    public void write(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
    }

    /** Writes ASCII text (digits, timestamps) without an encoder. */
    public void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
    }

    /** Writes chars [from, to) of ASCII text. */
    public void ascii(String s, int from, int to) {
        ensure(to - from);
        for (int i = from; i < to; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
    }

    /** Writes any text as UTF-8. */
    public void utf8(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes[size++] = (byte) c;
            } else {
                write(s.substring(i).getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
    }

    /** Writes a code point range of {@code s} as UTF-8, for escapers that copy runs of plain text. */
    void utf8(String s, int from, int to) {
        boolean ascii = true;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            ensure(to - from);
            for (int i = from; i < to; i++) {
                bytes[size++] = (byte) s.charAt(i);
            }
        } else {
            write(s.substring(from, to).getBytes(StandardCharsets.UTF_8));
        }
    }
}
