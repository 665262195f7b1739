package io.outport.webhook;

import io.outport.platform.Randomness;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Standard Webhooks signatures: the secret is {@code whsec_} + base64 of 32 random bytes; a message is
 * signed with HMAC-SHA256 over {@code "{webhook-id}.{webhook-timestamp}.{body}"} keyed with the decoded
 * secret, and sent as {@code webhook-signature: v1,<base64>}.
 */
public final class WebhookSignature {

    public static final String PREFIX = "whsec_";

    private WebhookSignature() {
    }

    public static String newSecret() {
        return PREFIX + Base64.getEncoder().encodeToString(Randomness.bytes(32));
    }

    public static String sign(String secret, String messageId, long timestampSeconds, byte[] body) {
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a webhook secret");
        }
        byte[] key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
