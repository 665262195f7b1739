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

    /** Room for {@code extra} more bytes: returns the array to write into from {@link #size()}, then {@link #size(int)}. */
    byte[] reserve(int extra) {
        ensure(extra);
        return bytes;
    }

    /** Sets the size after writing into the array that {@link #reserve} returned. */
    void size(int size) {
        this.size = size;
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

    /** Writes a long in decimal, without allocating. */
    public void decimal(long v) {
        if (v == Long.MIN_VALUE) {
            utf8("-9223372036854775808");
            return;
        }
        if (v < 0) {
            write((byte) '-');
            v = -v;
        }
        digits(v, digitCount(v));
    }

    /** Writes {@code v} (0 &le; v &lt; 10^width) as exactly {@code width} digits, zero-padded. */
    public void digits(long v, int width) {
        ensure(width);
        for (int i = size + width - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        size += width;
    }

    private static int digitCount(long v) {
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    /** Writes any text as UTF-8 (String.getBytes is intrinsic and copies ASCII text in bulk). */
    public void utf8(String s) {
        write(s.getBytes(StandardCharsets.UTF_8));
    }
}
