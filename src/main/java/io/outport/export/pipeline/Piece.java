package io.outport.export.pipeline;

import java.nio.ByteBuffer;

/**
 * A run of stored bytes of one part, ready for upload: at least 5 MiB unless it is the part's last
 * piece, which carries the part's summary.
 */
public record Piece(int part, ByteBuffer bytes, PartSummary lastOf) {

    public boolean last() {
        return lastOf != null;
    }
}
