package io.outport.platform;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates the ranges of {@link OutportConfig} when the application starts. A value that parses but
 * makes no sense (zero concurrency, a negative lease) stops start-up with the environment variable's name.
 */
@Startup
@ApplicationScoped
public class ConfigCheck {

    /** The service's switches: their converter reads anything but "true" as false, so a typo would pass. */
    static final List<String> SWITCHES = List.of("outport.api.enabled", "outport.worker.enabled",
            "outport.worker.exit-when-idle", "outport.s3.create-bucket", "outport.webhooks.allow-private",
            "outport.webhooks.deliver", "outport.auth.tenant-provisioning");

    public ConfigCheck(OutportConfig config) {
        List<String> problems = problems(config);
        org.eclipse.microprofile.config.Config raw = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        for (String key : SWITCHES) {
            String value = raw.getConfigValue(key).getRawValue();
            switchProblem(key, value).ifPresent(problems::add);
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Invalid configuration: " + String.join("; ", problems));
        }
    }

    /** The list of problems, empty when the configuration is usable; pure, so unit-testable. */
    public static List<String> problems(OutportConfig c) {
        List<String> p = new ArrayList<>();
        atLeast(p, "OUTPORT_WORKER_CONCURRENCY", c.worker().concurrency(), 1, 1000);
        atLeast(p, "OUTPORT_WEBHOOKS_CONCURRENCY", c.webhooks().concurrency(), 1, 1000);
        atLeast(p, "OUTPORT_WORKER_MAX_ATTEMPTS", c.worker().maxAttempts(), 1, 100);
        atLeast(p, "OUTPORT_EXPORTS_MAX_RUNNING_PER_TENANT", c.exports().maxRunningPerTenant(), 1, 1000);
        atLeast(p, "OUTPORT_EXPORTS_MAX_QUEUED_PER_TENANT", c.exports().maxQueuedPerTenant(), 1, 1_000_000);
        atLeast(p, "OUTPORT_RATE_LIMIT_READS_PER_MINUTE", c.rateLimit().readsPerMinute(), 1, 10_000_000);
        atLeast(p, "OUTPORT_RATE_LIMIT_WRITES_PER_MINUTE", c.rateLimit().writesPerMinute(), 1, 10_000_000);
        between(p, "OUTPORT_WORKER_LEASE", c.worker().lease(), Duration.ofSeconds(3), Duration.ofHours(1));
        between(p, "OUTPORT_WORKER_POLL_INTERVAL", c.worker().pollInterval(), Duration.ofMillis(100), Duration.ofMinutes(10));
        between(p, "OUTPORT_EXPORTS_RETENTION", c.exports().retention(), Duration.ofMinutes(1), Duration.ofDays(3650));
        between(p, "OUTPORT_AUTH_JWT_JWKS_REFETCH", c.auth().jwt().jwksRefetch(), Duration.ofSeconds(1), Duration.ofHours(24));
        between(p, "OUTPORT_EXPORTS_UNSERVED_TIMEOUT", c.exports().unservedTimeout(), Duration.ofSeconds(1), Duration.ofDays(3650));
        // SigV4 presigned URLs are valid for at most 7 days.
        between(p, "OUTPORT_EXPORTS_URL_TTL", c.exports().urlTtl(), Duration.ofSeconds(1), Duration.ofDays(7));
        if (c.admin().token().map(t -> t.length() < 16).orElse(false)) {
            p.add("OUTPORT_ADMIN_TOKEN must be at least 16 characters");
        }
        c.auth().jwt().jwksUrl().ifPresent(url -> {
            if (url.startsWith("file:")) {
                return; // read (and checked) when the process starts
            }
            io.outport.webhook.WebhookUrls.formProblem(url, c.webhooks().allowPrivate())
                    .ifPresent(problem -> p.add("OUTPORT_AUTH_JWT_JWKS_URL " + problem + " (or a file:/path)"));
            if (c.auth().jwt().issuer().map(String::isBlank).orElse(true)) {
                p.add("OUTPORT_AUTH_JWT_ISSUER is required when OUTPORT_AUTH_JWT_JWKS_URL is set");
            }
        });
        if (c.auth().jwt().jwksUrl().isPresent() && c.auth().jwt().jwksUrl().get().startsWith("file:")
                && c.auth().jwt().issuer().map(String::isBlank).orElse(true)) {
            p.add("OUTPORT_AUTH_JWT_ISSUER is required when OUTPORT_AUTH_JWT_JWKS_URL is set");
        }
        for (var claim : java.util.Map.of("OUTPORT_AUTH_JWT_TENANT_CLAIM", c.auth().jwt().tenantClaim(),
                "OUTPORT_AUTH_JWT_SCOPE_CLAIM", c.auth().jwt().scopeClaim()).entrySet()) {
            if (!claim.getValue().matches("[^.\\s]+(\\.[^.\\s]+)*")) {
                p.add(claim.getKey() + " must be a claim name or a dotted path (org.id), got '" + claim.getValue() + "'");
            }
        }
        between(p, "OUTPORT_PORTAL_SESSION_TTL", c.portal().sessionTtl(), Duration.ofMinutes(1), Duration.ofHours(24));
        c.publicUrl().ifPresent(url -> {
            if (!url.matches("https?://[A-Za-z0-9.\\[\\]:-]+(:[0-9]{1,5})?/?")) {
                p.add("OUTPORT_PUBLIC_URL must be an origin such as https://exports.example.com, got '" + url + "'");
            }
        });
        c.console().logoUrl().ifPresent(url -> {
            if (!url.matches("https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[^\\s'\";]*") && !(c.webhooks().allowPrivate()
                    && url.matches("http://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[^\\s'\";]*"))) {
                p.add("OUTPORT_CONSOLE_LOGO_URL must be an https URL of an image, got '" + url + "'");
            }
        });
        if (!c.console().accent().matches("#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")) {
            p.add("OUTPORT_CONSOLE_ACCENT must be a colour such as #2f5bd3, got '" + c.console().accent() + "'");
        }
        if (c.console().title().isBlank() || c.console().title().length() > 100) {
            p.add("OUTPORT_CONSOLE_TITLE must be 1 to 100 characters");
        }
        c.console().frameAncestors().ifPresent(list -> list.forEach(origin -> {
            if (!origin.matches("https?://[A-Za-z0-9.*-]+(:[0-9]{1,5})?|'self'")) {
                p.add("OUTPORT_CONSOLE_FRAME_ANCESTORS must list origins such as https://app.example.com, got '" + origin + "'");
            }
        }));
        c.secrets().key().ifPresent(k -> io.outport.destination.SecretBox.keyProblem("OUTPORT_SECRETS_KEY", k).ifPresent(p::add));
        c.secrets().previousKeys().ifPresent(keys -> keys.forEach(k ->
                io.outport.destination.SecretBox.keyProblem("OUTPORT_SECRETS_PREVIOUS_KEYS", k).ifPresent(p::add)));
        c.sts().endpoint().ifPresent(url -> {
            if (!url.matches("https?://[A-Za-z0-9.\\[\\]:-]+(:[0-9]{1,5})?(/[^\\s]*)?")) {
                p.add("OUTPORT_STS_ENDPOINT must be an http(s) URL such as https://sts.eu-west-1.amazonaws.com, got '" + url + "'");
            }
        });
        String bucket = c.s3().bucket();
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            p.add("OUTPORT_S3_BUCKET must be a valid S3 bucket name, got '" + bucket + "'");
        }
        return p;
    }

    /** A switch must say true or false; the problem names its environment variable. */
    static java.util.Optional<String> switchProblem(String key, String value) {
        if (value == null || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_')
                + " must be true or false, got '" + value + "'");
    }

    private static void atLeast(List<String> p, String name, int value, int min, int max) {
        if (value < min || value > max) {
            p.add(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static void between(List<String> p, String name, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            p.add(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
