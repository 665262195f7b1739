package io.outport.platform;

import java.util.Optional;
import java.util.UUID;

/** Time-ordered UUIDs (RFC 9562 version 7): ids sort by creation time, which keeps b-tree inserts local. */
public final class UuidV7 {


    private UuidV7() {
    }

    public static UUID next() {
        long millis = System.currentTimeMillis();
        long msb = (millis << 16) | 0x7000L | (Randomness.secure().nextInt() & 0x0FFFL);
        long lsb = (Randomness.secure().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** Parses a path id; anything that is not a UUID is simply not found, never a 400 or 500. */
    public static Optional<UUID> parse(String text) {
        if (text == null || text.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
