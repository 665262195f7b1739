package io.outport.platform;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Opaque pagination cursors: the position's values, base64url-encoded with a checksum, so that a
 * cursor the server did not issue (truncated, edited, made up) is a 400 rather than a silent restart.
 */
public final class Cursor {

    private static final char SEPARATOR = '\u001f';
    private static final byte[] SALT = "outport-cursor-v1".getBytes(StandardCharsets.UTF_8);

    private Cursor() {
    }

    public static String encode(String... parts) {
        String payload = String.join(String.valueOf(SEPARATOR), parts);
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "." + check(bytes);
    }

    /** The values of a cursor with {@code count} parts, or a 400 on {@code field} when it is not ours. */
    public static List<String> decode(String cursor, int count, String field) {
        int dot = cursor.lastIndexOf('.');
        if (cursor.length() > 512 || dot <= 0) {
            throw notIssued(field);
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(cursor.substring(0, dot));
        } catch (IllegalArgumentException e) {
            throw notIssued(field);
        }
        if (!MessageDigest.isEqual(check(bytes).getBytes(StandardCharsets.US_ASCII),
                cursor.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            throw notIssued(field);
        }
        List<String> parts = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split(String.valueOf(SEPARATOR), -1));
        if (parts.size() != count) {
            throw notIssued(field);
        }
        return parts;
    }

    private static ApiException notIssued(String field) {
        return ApiException.invalid(field, "is not a cursor issued by this server");
    }

    private static String check(byte[] bytes) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(SALT);
            byte[] digest = sha.digest(bytes);
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
