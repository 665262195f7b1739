package io.outport.destination;

import io.outport.platform.OutportConfig;
import io.outport.platform.Randomness;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Encrypts the secrets of destinations at rest with AES-256-GCM (the JDK's provider) under OUTPORT_SECRETS_KEY.
 * A sealed secret is a fresh 12-byte nonce followed by the ciphertext and its 16-byte tag; the destination's id
 * is the associated data, so a secret copied onto another row does not open. Every key has an id (the first
 * 8 bytes of a SHA-256 over it, in hex: it tells keys apart and reveals nothing of them) stored beside what it
 * sealed; OUTPORT_SECRETS_PREVIOUS_KEYS keeps replaced keys readable while a rotation is under way.
 */
@ApplicationScoped
public class SecretBox {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    /** The current key's id, or null when OUTPORT_SECRETS_KEY is unset. */
    private final String currentId;
    /** Every key this process holds, current first, by id. */
    private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

    @jakarta.inject.Inject
    public SecretBox(OutportConfig config) {
        this(config.secrets().key().orElse(null), config.secrets().previousKeys().orElse(List.of()));
    }

    /** {@code current}: OUTPORT_SECRETS_KEY (null: unset); {@code previous}: OUTPORT_SECRETS_PREVIOUS_KEYS. */
    SecretBox(String current, List<String> previous) {
        currentId = current == null ? null : add(current, "OUTPORT_SECRETS_KEY");
        previous.forEach(k -> add(k, "OUTPORT_SECRETS_PREVIOUS_KEYS"));
    }

    private String add(String base64, String variable) {
        keyProblem(variable, base64).ifPresent(p -> {
            throw new IllegalStateException("Invalid configuration: " + p);
        });
        byte[] key = Base64.getDecoder().decode(base64.trim());
        String id = idOf(key);
        keys.putIfAbsent(id, new SecretKeySpec(key, "AES"));
        return id;
    }

    /** What is wrong with a configured key, naming its variable and never its value; empty when it is usable. */
    public static Optional<String> keyProblem(String variable, String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            return Optional.of(variable + " must be base64 of 32 random bytes (openssl rand -base64 32); it is not base64");
        }
        if (key.length != 32) {
            return Optional.of(variable + " must be base64 of 32 random bytes (openssl rand -base64 32); it decodes to "
                    + key.length + " bytes");
        }
        return Optional.empty();
    }

    static String idOf(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("outport-secrets-key-id:".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(key), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether secrets can be sealed (OUTPORT_SECRETS_KEY is set). */
    public boolean canSeal() {
        return currentId != null;
    }

    /** The id of the key new secrets are sealed with. */
    public String currentKeyId() {
        if (currentId == null) {
            throw new IllegalStateException("OUTPORT_SECRETS_KEY is not set");
        }
        return currentId;
    }

    /** The ids of every key this process holds: it can open what any of them sealed. */
    public List<String> keyIds() {
        return List.copyOf(keys.keySet());
    }

    public boolean holds(String keyId) {
        return keys.containsKey(keyId);
    }

    /** Seals {@code secret} for the row {@code owner} with the current key. */
    public byte[] seal(String secret, String owner) {
        byte[] nonce = Randomness.bytes(NONCE_BYTES);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId()), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Opens what {@link #seal} made with the key {@code keyId} for {@code owner}; fails without the key or if altered. */
    public String open(byte[] sealed, String keyId, String owner) {
        SecretKeySpec key = keys.get(keyId);
        if (key == null) {
            throw new IllegalStateException("the secret was encrypted with the key " + keyId
                    + ", which this process does not hold (OUTPORT_SECRETS_KEY / OUTPORT_SECRETS_PREVIOUS_KEYS)");
        }
        if (sealed == null || sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalStateException("the stored secret is damaged");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the stored secret does not open with the key " + keyId
                    + " (altered, or sealed for another destination)");
        }
    }
}
