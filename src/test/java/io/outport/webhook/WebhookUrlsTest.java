package io.outport.webhook;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The SSRF rules of webhook URLs, the retry schedule and the signature, as pure functions. */
class WebhookUrlsTest {

    @Test
    void onlyHttpsUrlsOfPublicHostsWithoutCredentials() {
        for (String ok : new String[]{"https://example.com/hook", "https://example.com:8443/a?b=c", "https://8.8.8.8/x",
                "https://[2606:4700:4700::1111]/x", "https://177.0.0.1/x"}) {
            assertEquals(Optional.empty(), WebhookUrls.formProblem(ok, false), ok);
        }
        for (String bad : new String[]{"http://example.com/hook", "ftp://example.com", "https://user:pw@example.com/",
                "https://user@example.com/", "https://example.com/#f", "https:///path", "https://localhost/x",
                "https://api.localhost/x", "https://metadata.google.internal/x", "https://printer.local/",
                "https://127.0.0.1/", "https://127.1.2.3/", "https://10.0.0.1/", "https://172.16.0.1/",
                "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/",
                "https://0.0.0.0/", "https://[::1]/", "https://[fd00::1]/", "https://[fe80::1]/",
                "https://[::ffff:127.0.0.1]/", "https://[::ffff:169.254.169.254]/", "https://2130706433/",
                "https://0x7f000001/", "https://0177.0.0.1/", "https://127.1/", "https://example.com:0/",
                "https://" + "a".repeat(2000) + ".com/", "", "not a url", "https://exa mple.com/", "javascript:alert(1)"}) {
            assertTrue(WebhookUrls.formProblem(bad, false).isPresent(), bad);
        }
        // allow-private lifts the address and scheme rules, not the others.
        assertEquals(Optional.empty(), WebhookUrls.formProblem("http://127.0.0.1:8080/x", true));
        assertTrue(WebhookUrls.formProblem("http://u:p@127.0.0.1/x", true).isPresent());
        assertTrue(WebhookUrls.formProblem("ftp://127.0.0.1/x", true).isPresent());
    }

    @Test
    void publicAddresses() throws Exception {
        assertTrue(WebhookUrls.isPublic(InetAddress.getByName("93.184.216.34")));
        assertTrue(WebhookUrls.isPublic(InetAddress.getByName("2a00:1450:4001:80b::200e")));
        for (String a : new String[]{"127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.169.254",
                "100.100.100.200", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1", "::1", "::",
                "fc00::1", "fe80::1", "ff02::1", "2001:db8::1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe"}) {
            assertFalse(WebhookUrls.isPublic(InetAddress.getByName(a)), a);
        }
    }

    @Test
    void retriesComeWithinTenSecondsThenSpreadOverMoreThanADay() {
        Duration first = RetrySchedule.after(1, () -> 0.999).orElseThrow();
        assertTrue(first.compareTo(Duration.ofSeconds(10)) < 0, "first retry within 10 s: " + first);
        Duration total = Duration.ZERO;
        Duration previous = Duration.ZERO;
        for (int attempts = 1; attempts < RetrySchedule.MAX_ATTEMPTS; attempts++) {
            Duration shortest = RetrySchedule.after(attempts, () -> 0.0).orElseThrow();
            assertTrue(shortest.compareTo(previous) >= 0, "later retries are spaced out");
            previous = shortest;
            total = total.plus(shortest);
        }
        assertTrue(total.compareTo(Duration.ofHours(24)) >= 0, "at least 24 h of retries even with the shortest jitter: " + total);
        assertEquals(Optional.empty(), RetrySchedule.after(RetrySchedule.MAX_ATTEMPTS, () -> 0.5), "then failed");
        assertNotEquals(RetrySchedule.after(3, () -> 0.0), RetrySchedule.after(3, () -> 0.9), "jitter");
    }

    @Test
    void theSignatureIsWhatOpensslComputes() throws Exception {
        String secret = WebhookSignature.newSecret();
        assertTrue(secret.startsWith("whsec_"));
        assertNotEquals(secret, WebhookSignature.newSecret());
        byte[] body = "{\"type\":\"export.completed\",\"n\":\"é\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String signature = WebhookSignature.sign(secret, "msg_1", 1700000000L, body);
        // An independent implementation: openssl, keyed with the decoded secret.
        String hexKey = java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(secret.substring(6)));
        Process p = new ProcessBuilder("openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + hexKey, "-binary")
                .start();
        try (var in = p.getOutputStream()) {
            in.write("msg_1.1700000000.".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            in.write(body);
        }
        byte[] mac = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertEquals("v1," + java.util.Base64.getEncoder().encodeToString(mac), signature);
    }
}
