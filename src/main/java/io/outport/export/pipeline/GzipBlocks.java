package io.outport.export.pipeline;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.Deflater;

/**
 * Gzip written as independently compressed blocks that join into one ordinary gzip member, the way pigz
 * does it. Each block is raw deflate primed with the last 32 KiB of the block before it (so compression
 * loses nothing at the seams) and ended by a sync flush (byte-aligned, not final), so blocks can be
 * compressed on any thread in any order and their outputs simply concatenated in order. A member is
 * {@link #HEADER}, the blocks, {@link #FINAL_BLOCK} and {@link #trailer}: one deflate stream that every
 * gzip reader accepts, not a series of members.
 */
final class GzipBlocks {

    /** Magic, deflate, no flags, no mtime, no extra flags, unknown OS. */
    static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    /** An empty last block (BFINAL = 1, fixed Huffman codes, end-of-block): ends the deflate stream. */
    static final byte[] FINAL_BLOCK = {3, 0};
    /** The deflate window: a dictionary longer than this is of no use. */
    static final int WINDOW = 32 * 1024;
    /** The same level as {@code gzip -6} and zlib's default. */
    static final int LEVEL = 6;

    /** Idle deflaters (each holds ~300 KiB of native memory); more than this many are ended, not kept. */
    private static final ArrayBlockingQueue<Deflater> IDLE = new ArrayBlockingQueue<>(8);

    private GzipBlocks() {
    }

    /**
     * Raw deflate of {@code data[from, to)}, primed with the tail of {@code previous} (the uncompressed
     * bytes just before it in the stream, or null at the start of a stream), ending with a sync flush.
     */
    static byte[] deflate(byte[] previous, byte[] data, int from, int to) {
        if (to == from) {
            return new byte[0];
        }
        Deflater deflater = IDLE.poll();
        if (deflater == null) {
            deflater = new Deflater(LEVEL, true);
        }
        try {
            if (previous != null && previous.length > 0) {
                int n = Math.min(previous.length, WINDOW);
                deflater.setDictionary(previous, previous.length - n, n);
            }
            deflater.setInput(data, from, to - from);
            byte[] out = new byte[(to - from) / 2 + 64];
            int size = 0;
            while (true) {
                size += deflater.deflate(out, size, out.length - size, Deflater.SYNC_FLUSH);
                if (size < out.length) {
                    // With space left over, the flush is complete.
                    return Arrays.copyOf(out, size);
                }
                out = Arrays.copyOf(out, out.length * 2);
            }
        } finally {
            deflater.reset();
            if (!IDLE.offer(deflater)) {
                deflater.end();
            }
        }
    }

    /** CRC-32 and length (mod 2^32) of the uncompressed bytes, little-endian, as the member's last 8 bytes. */
    static byte[] trailer(long crc32, long length) {
        byte[] t = new byte[8];
        for (int i = 0; i < 4; i++) {
            t[i] = (byte) (crc32 >>> (8 * i));
            t[4 + i] = (byte) (length >>> (8 * i));
        }
        return t;
    }
}
