package io.outport.export;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The watermark of a completed export as clients see it: {@code wm_} and the export's id in base64url. It
 * carries no state a client could alter usefully: what it stands for (the snapshot or the highest value the
 * export read) stays in the database, and a watermark is honoured only for an export of the caller's own
 * tenant and of the same dataset, so an altered or foreign one is refused.
 */
public final class Watermarks {

    private static final String PREFIX = "wm_";

    private Watermarks() {
    }

    public static String of(UUID exportId) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(exportId.getMostSignificantBits())
                .putLong(exportId.getLeastSignificantBits());
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The export a watermark names, or empty when it is not one this server issues. */
    public static Optional<UUID> parse(String watermark) {
        if (watermark == null || !watermark.startsWith(PREFIX) || watermark.length() != PREFIX.length() + 22) {
            return Optional.empty();
        }
        try {
            byte[] raw = Base64.getUrlDecoder().decode(watermark.substring(PREFIX.length()));
            ByteBuffer b = ByteBuffer.wrap(raw);
            UUID id = new UUID(b.getLong(), b.getLong());
            // Re-encoding must give the same text: no second spelling of one watermark.
            return of(id).equals(watermark) ? Optional.of(id) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
