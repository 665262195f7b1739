package io.outport.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting of the service itself, bound from {@code outport.*} properties or the matching
 * {@code OUTPORT_*} environment variables (README, configuration). Ranges are checked by
 * {@link ConfigCheck} at start-up so that a bad value stops the process with the variable's name.
 */
@ConfigMapping(prefix = "outport")
public interface OutportConfig {

    S3 s3();

    Admin admin();

    Api api();

    Worker worker();

    Exports exports();

    @WithName("rate-limit")
    RateLimit rateLimit();

    Webhooks webhooks();

    Auth auth();

    /** OUTPORT_PUBLIC_URL: the service's public origin, for the links it hands out; default the request's own. */
    @WithName("public-url")
    java.util.Optional<String> publicUrl();

    Portal portal();

    Console console();

    Secrets secrets();

    Sts sts();

    /** Encryption of the credentials tenants give for their destinations. */
    interface Secrets {
        /**
         * OUTPORT_SECRETS_KEY: base64 of 32 random bytes (AES-256-GCM). Without it no destination can be created and
         * this process claims no export that writes to one.
         */
        java.util.Optional<String> key();

        /**
         * OUTPORT_SECRETS_PREVIOUS_KEYS: keys replaced by OUTPORT_SECRETS_KEY, comma-separated, still used to read the
         * credentials they encrypted (rotation).
         */
        @WithName("previous-keys")
        java.util.Optional<java.util.List<String>> previousKeys();
    }

    /** AWS STS, through which role destinations are assumed. */
    interface Sts {
        /** OUTPORT_STS_ENDPOINT: an STS endpoint instead of AWS's (tests, S3-compatible stores with an STS). */
        java.util.Optional<String> endpoint();
    }

    /** Portal sessions: the console opened from a one-time link. */
    interface Portal {
        /** OUTPORT_PORTAL_SESSION_TTL: how long a session the console gets for a portal link lasts. */
        @WithName("session-ttl")
        @WithDefault("8h")
        java.time.Duration sessionTtl();
    }

    /** The console's branding and framing. */
    interface Console {
        /** OUTPORT_CONSOLE_TITLE: the product's name, shown in the console. */
        @WithDefault("Outport")
        String title();

        /** OUTPORT_CONSOLE_LOGO_URL: an https image (the only outside resource the page loads). */
        @WithName("logo-url")
        java.util.Optional<String> logoUrl();

        /** OUTPORT_CONSOLE_ACCENT: the accent colour, #rgb or #rrggbb. */
        @WithDefault("#2f5bd3")
        String accent();

        /** OUTPORT_CONSOLE_FRAME_ANCESTORS: origins allowed to frame the console (CSP frame-ancestors); none by default. */
        @WithName("frame-ancestors")
        java.util.Optional<java.util.List<String>> frameAncestors();
    }

    /** Credentials besides API keys. */
    interface Auth {
        Jwt jwt();

        /** OUTPORT_AUTH_TENANT_PROVISIONING: a valid token naming an unknown external_id creates that tenant. */
        @WithName("tenant-provisioning")
        @WithDefault("true")
        boolean tenantProvisioning();
    }

    /** JSON Web Tokens signed by the product (its identity provider); off unless the JWKS URL is set. */
    interface Jwt {
        /** OUTPORT_AUTH_JWT_JWKS_URL: the product's signing keys (a JWKS), https://… or file:/path. */
        @WithName("jwks-url")
        java.util.Optional<String> jwksUrl();

        /** OUTPORT_AUTH_JWT_ISSUER: the required iss (required when JWTs are on). */
        java.util.Optional<String> issuer();

        /** OUTPORT_AUTH_JWT_AUDIENCE: the required aud, if set. */
        java.util.Optional<String> audience();

        /** OUTPORT_AUTH_JWT_TENANT_CLAIM: the claim holding the tenant's external_id; dots reach into objects. */
        @WithName("tenant-claim")
        @WithDefault("tenant")
        String tenantClaim();

        /**
         * OUTPORT_AUTH_JWT_JWKS_REFETCH: the JWKS is fetched again for a token naming an unknown key id at most this
         * often (a flood of made-up key ids costs the identity provider one request per interval).
         */
        @WithName("jwks-refetch")
        @WithDefault("30s")
        java.time.Duration jwksRefetch();

        /** OUTPORT_AUTH_JWT_SCOPE_CLAIM: the claim holding scopes (a space-separated string or an array). */
        @WithName("scope-claim")
        @WithDefault("scope")
        String scopeClaim();
    }

    /**
     * outport.datasets.&lt;name&gt;: tables or views of the product's database declared as exportable
     * datasets (OUTPORT_DATASETS_&lt;NAME&gt;_TABLE, …). Checked against the catalog at start-up.
     */
    Map<String, DatasetDeclaration> datasets();

    /** One declared dataset; every name is an identifier of the source database, compared exactly. */
    interface DatasetDeclaration {
        /** A table or view, optionally schema-qualified ({@code shop.orders}), as PostgreSQL parses a name. */
        String table();

        /** The column that holds the tenant's external_id; every read is filtered by it; never exported. */
        @WithName("tenant-column")
        String tenantColumn();

        /** A timestamptz, timestamp or date column: filters.from/to bound it; rows go out in (time, id) order. */
        @WithName("time-column")
        String timeColumn();

        /** Unique within a tenant: the tie-breaker of the (time, id) order. */
        @WithName("id-column")
        String idColumn();

        /** The exported columns in their default order; default every column but the tenant column. */
        Optional<List<String>> columns();

        /** Columns a filter may match on; a subset of the columns; default none. */
        Optional<List<String>> filterable();

        /** A column that grows with every change of a row (updated_at, a sequence), for incremental exports. */
        @WithName("incremental-column")
        Optional<String> incrementalColumn();
    }

    interface Webhooks {
        /**
         * OUTPORT_WEBHOOKS_ALLOW_PRIVATE: allow http URLs and private, loopback and link-local addresses
         * (development and tests only: it opens the service to server-side request forgery).
         */
        @WithName("allow-private")
        @WithDefault("false")
        boolean allowPrivate();

        /** OUTPORT_WEBHOOKS_DELIVER: this process delivers webhooks (any replica may). */
        @WithDefault("true")
        boolean deliver();

        /** OUTPORT_WEBHOOKS_CONCURRENCY: deliveries in flight at once on this process (1–1000). */
        @WithDefault("16")
        int concurrency();
    }

    interface S3 {
        /** OUTPORT_S3_BUCKET: bucket that holds export files. */
        @WithDefault("outport-exports")
        String bucket();

        /** OUTPORT_S3_CREATE_BUCKET: create the bucket at start-up when it is missing. */
        @WithName("create-bucket")
        @WithDefault("true")
        boolean createBucket();
    }

    interface Admin {
        /** OUTPORT_ADMIN_TOKEN: bearer token of /admin/v1; the admin API is disabled when unset. */
        Optional<String> token();
    }

    interface Api {
        /** OUTPORT_API_ENABLED: serve the /v1 and /admin/v1 APIs from this process. */
        @WithDefault("true")
        boolean enabled();
    }

    interface Worker {
        /** OUTPORT_WORKER_ENABLED: claim and run exports in this process. */
        @WithDefault("true")
        boolean enabled();

        /** OUTPORT_WORKER_CONCURRENCY: exports processed at once by this process. */
        @WithDefault("2")
        int concurrency();

        /** OUTPORT_WORKER_LEASE: lease on a claimed export, renewed by heartbeat every lease/3. */
        @WithDefault("30s")
        Duration lease();

        /** OUTPORT_WORKER_MAX_ATTEMPTS: attempts before an export fails. */
        @WithName("max-attempts")
        @WithDefault("3")
        int maxAttempts();

        /** OUTPORT_WORKER_POLL_INTERVAL: backup poll for queued exports (LISTEN/NOTIFY is the fast path). */
        @WithName("poll-interval")
        @WithDefault("5s")
        Duration pollInterval();

        /** OUTPORT_WORKER_SHUTDOWN_GRACE: on SIGTERM, time running exports get to finish before they are handed back. */
        @WithName("shutdown-grace")
        @WithDefault("20s")
        Duration shutdownGrace();

        /** OUTPORT_WORKER_EXIT_WHEN_IDLE: exit 0 once the queue is empty (Kubernetes Job style run). */
        @WithName("exit-when-idle")
        @WithDefault("false")
        boolean exitWhenIdle();
    }

    interface Exports {
        /** OUTPORT_EXPORTS_RETENTION: how long files stay downloadable after completion. */
        @WithDefault("7d")
        Duration retention();

        /** OUTPORT_EXPORTS_URL_TTL: lifetime of a presigned download URL. */
        @WithName("url-ttl")
        @WithDefault("15m")
        Duration urlTtl();

        /** OUTPORT_EXPORTS_REAP_INTERVAL: how often expired exports are looked for and their files deleted. */
        @WithName("reap-interval")
        @WithDefault("1m")
        Duration reapInterval();

        /** OUTPORT_EXPORTS_MAX_RUNNING_PER_TENANT: fairness, running exports per tenant. */
        @WithName("max-running-per-tenant")
        @WithDefault("2")
        int maxRunningPerTenant();

        /** OUTPORT_EXPORTS_MAX_QUEUED_PER_TENANT: queued exports per tenant before 429. */
        @WithName("max-queued-per-tenant")
        @WithDefault("100")
        int maxQueuedPerTenant();

        /**
         * OUTPORT_EXPORTS_UNSERVED_TIMEOUT: how long a queued export may wait while no live worker serves its
         * dataset as declared when it was created; then it fails with {@code dataset_unavailable}.
         */
        @WithName("unserved-timeout")
        @WithDefault("15m")
        Duration unservedTimeout();
    }

    interface RateLimit {
        /** OUTPORT_RATE_LIMIT_READS_PER_MINUTE: GET requests per tenant and minute. */
        @WithName("reads-per-minute")
        @WithDefault("600")
        int readsPerMinute();

        /** OUTPORT_RATE_LIMIT_WRITES_PER_MINUTE: POST/DELETE requests per tenant and minute. */
        @WithName("writes-per-minute")
        @WithDefault("120")
        int writesPerMinute();
    }
}
