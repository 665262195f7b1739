package io.outport.export.pipeline;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A run of stored bytes of one part, ready for upload: at least 5 MiB unless it is the part's last
 * piece, which carries the part's summary. The bytes are held in chunks small enough for the garbage
 * collector's young generation, never changed once the piece is handed over.
 */
public record Piece(int part, List<ByteBuffer> bytes, PartSummary lastOf) {

    public boolean last() {
        return lastOf != null;
    }

    /**
     * Gives the piece's arrays back for later pieces: only once a store has answered the request that sent them
     * (nothing reads them any more). The piece must not be used afterwards.
     */
    public void release() {
        Chunks.give(bytes);
    }
}
