package io.outport.export.pipeline;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The arrays that hold pieces, reused from one piece to the next. A piece lives from the moment it is filled
 * until its upload is answered — hundreds of milliseconds, long enough to survive young collections — so fresh
 * arrays for every piece were copied between survivor spaces and promoted, and the old generation filled with
 * dead pieces (with a small young generation, most of the collector's work). Reused arrays are promoted
 * once and then stay: the young generation holds only the rows' short-lived garbage.
 * <p>
 * Arrays come back only after a store answered the upload that sent them ({@link Piece#release()}); a piece
 * whose upload failed, or that is never uploaded, is simply left to the collector. At most {@link #IDLE_MAX}
 * idle arrays are kept (32 MiB), enough for the pieces in flight of about two exports at once.
 */
final class Chunks {

    /** Idle arrays kept at most: beyond this, released arrays are left to the collector. */
    static final int IDLE_MAX = 128;

    private static final ArrayBlockingQueue<byte[]> IDLE = new ArrayBlockingQueue<>(IDLE_MAX);

    private Chunks() {
    }

    /** An array of {@link PartWriter#CHUNK_BYTES}: an idle one, or a new one. Its content is undefined. */
    static byte[] take() {
        byte[] a = IDLE.poll();
        return a != null ? a : new byte[PartWriter.CHUNK_BYTES];
    }

    /** Gives back the arrays behind {@code buffers} (only whole chunk arrays; others are ignored). */
    static void give(List<ByteBuffer> buffers) {
        for (ByteBuffer b : buffers) {
            if (b.hasArray() && b.array().length == PartWriter.CHUNK_BYTES && !IDLE.offer(b.array())) {
                return;
            }
        }
    }

    /** Idle arrays now (for tests). */
    static int idle() {
        return IDLE.size();
    }
}
