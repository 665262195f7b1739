package io.outport.destination;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sealing of destinations' secrets: pure logic over the JDK's AES-GCM. */
class SecretBoxTest {

    private static final String KEY_1 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    private static final String KEY_2 = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8));

    @Test
    void sealsWithAFreshNonceAndOpensOnlyForTheSameRowAndKey() {
        SecretBox box = new SecretBox(KEY_1, List.of());
        byte[] a = box.seal("the-secret", "row-1");
        byte[] b = box.seal("the-secret", "row-1");
        assertFalse(java.util.Arrays.equals(a, b), "a fresh nonce each time");
        assertFalse(new String(a, StandardCharsets.ISO_8859_1).contains("the-secret"));
        assertEquals("the-secret", box.open(a, box.currentKeyId(), "row-1"));
        // Copied onto another row, or altered: it does not open, and the message names no secret.
        IllegalStateException other = assertThrows(IllegalStateException.class, () -> box.open(a, box.currentKeyId(), "row-2"));
        assertFalse(other.getMessage().contains("the-secret"));
        byte[] altered = a.clone();
        altered[altered.length - 1] ^= 1;
        assertThrows(IllegalStateException.class, () -> box.open(altered, box.currentKeyId(), "row-1"));
        assertThrows(IllegalStateException.class, () -> box.open(new byte[5], box.currentKeyId(), "row-1"));
    }

    @Test
    void rotationKeepsOldSecretsReadableAndAProcessWithoutTheKeyCannotOpenThem() {
        SecretBox before = new SecretBox(KEY_1, List.of());
        byte[] sealed = before.seal("s", "row");
        SecretBox rotated = new SecretBox(KEY_2, List.of(KEY_1));
        assertNotEquals(before.currentKeyId(), rotated.currentKeyId());
        assertEquals(List.of(rotated.currentKeyId(), before.currentKeyId()), rotated.keyIds());
        assertEquals("s", rotated.open(sealed, before.currentKeyId(), "row"));
        SecretBox onlyNew = new SecretBox(KEY_2, List.of());
        assertFalse(onlyNew.holds(before.currentKeyId()));
        assertTrue(assertThrows(IllegalStateException.class, () -> onlyNew.open(sealed, before.currentKeyId(), "row"))
                .getMessage().contains("does not hold"));
        SecretBox none = new SecretBox(null, List.of());
        assertFalse(none.canSeal());
        assertEquals(List.of(), none.keyIds());
        assertThrows(IllegalStateException.class, () -> none.seal("s", "row"));
    }

    @Test
    void aBadKeyIsRefusedNamingTheVariableAndNeverTheValue() {
        assertTrue(SecretBox.keyProblem("OUTPORT_SECRETS_KEY", KEY_1).isEmpty());
        String notBase64 = SecretBox.keyProblem("OUTPORT_SECRETS_KEY", "not base64 !").orElseThrow();
        assertTrue(notBase64.startsWith("OUTPORT_SECRETS_KEY must be base64 of 32 random bytes"), notBase64);
        String shortKey = SecretBox.keyProblem("OUTPORT_SECRETS_PREVIOUS_KEYS", "c2hvcnQ=").orElseThrow();
        assertTrue(shortKey.contains("OUTPORT_SECRETS_PREVIOUS_KEYS") && shortKey.contains("5 bytes"), shortKey);
        assertFalse(shortKey.contains("c2hvcnQ="));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new SecretBox("c2hvcnQ=", List.of()));
        assertTrue(e.getMessage().contains("OUTPORT_SECRETS_KEY"));
    }
}
