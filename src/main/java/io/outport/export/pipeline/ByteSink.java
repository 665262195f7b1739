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

    public void write(byte[] b, int from, int to) {
        int n = to - from;
        ensure(n);
        System.arraycopy(b, from, bytes, size, n);
        size += n;
    }

    /** Writes ASCII text (digits, timestamps). */
    public void ascii(String s) {
        utf8(s);
    }

    /** Writes chars [from, to) of ASCII text. */
    public void ascii(String s, int from, int to) {
        int n = to - from;
        ensure(n);
        for (int i = from; i < to; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
    }

    /** Writes any text as UTF-8 (String.getBytes is intrinsic and copies ASCII text in bulk). */
    public void utf8(String s) {
        write(s.getBytes(StandardCharsets.UTF_8));
    }
}
