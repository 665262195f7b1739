package io.outport.tenant;

import io.outport.platform.ApiException;
import io.outport.platform.Failures;
import io.outport.platform.OutportConfig;
import io.outport.webhook.WebhookUrls;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Verifies JSON Web Tokens signed by the product (OUTPORT_AUTH_JWT_*) with jose4j, the JOSE library under
 * Quarkus' own JWT extensions: RS256, ES256 or EdDSA only (never {@code none} or HMAC), {@code exp} required,
 * 60 s of leeway, the issuer and audience checked. The signing keys (a JWKS, from {@code https://} or
 * {@code file:}) are cached and fetched again when a token names a key id the cache lacks, at most every
 * 30 s, so the product rotates keys without restarting Outport. A JWKS file that cannot be read stops
 * start-up; a JWKS URL that is down makes tokens a 401 saying so. The token itself never reaches a log line
 * or an error body.
 */
@io.quarkus.runtime.Startup // a JWKS file is read (and a broken one refused) when the process starts
@ApplicationScoped
public class HostTokens {

    private static final Logger LOG = Logger.getLogger(HostTokens.class);
    private static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final int MAX_JWKS_BYTES = 1 << 20;

    private final OutportConfig.Jwt config;
    private final boolean allowPrivate;
    private final Optional<String> source;
    private volatile JsonWebKeySet keys;
    private volatile String fetchProblem;
    private final long refetchNanos;
    private final AtomicLong lastFetch;
    private final HttpClient http;

    public HostTokens(OutportConfig config) {
        this.config = config.auth().jwt();
        this.allowPrivate = config.webhooks().allowPrivate();
        this.source = this.config.jwksUrl().filter(s -> !s.isBlank());
        this.refetchNanos = this.config.jwksRefetch().toNanos();
        this.lastFetch = new AtomicLong(System.nanoTime() - refetchNanos);
        this.http = source.isPresent() && !source.get().startsWith("file:")
                ? HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build()
                : null;
        if (source.isPresent() && source.get().startsWith("file:")) {
            // Read now, on the start-up thread: a file that is missing or malformed is a configuration error.
            try {
                keys = load();
                lastFetch.set(System.nanoTime());
            } catch (Exception e) {
                throw new IllegalStateException("OUTPORT_AUTH_JWT_JWKS_URL: cannot read a JWKS from " + source.get() + ": "
                        + Failures.describe(e));
            }
        }
    }

    /** Whether host-signed JWTs are accepted. */
    public boolean enabled() {
        return source.isPresent();
    }

    /** Whether a bearer credential has the shape of a JWT (three base64url parts). */
    public static boolean looksLikeJwt(String credential) {
        return credential.length() < 16_384 && JWT.matcher(credential).matches();
    }

    /** The kid of a JWS header, or null when it has none or is not a JWS. */
    public static String kidOf(String token) {
        try {
            return JsonWebStructure.fromCompactSerialization(token).getKeyIdHeaderValue();
        } catch (Exception e) {
            return null;
        }
    }

    /** The tenant external_id and scopes a valid token carries; fails with a 401 naming what is wrong. */
    public Uni<Verified> verify(String token) {
        String kid;
        try {
            kid = JsonWebStructure.fromCompactSerialization(token).getKeyIdHeaderValue();
        } catch (Exception e) {
            return Uni.createFrom().failure(invalid("it is not a well-formed JWS"));
        }
        Uni<JsonWebKeySet> current = keys != null && (kid == null || has(keys, kid)) ? Uni.createFrom().item(keys)
                : refresh().map(set -> set);
        return current.map(set -> {
            if (set == null) {
                throw invalid("the signing keys at OUTPORT_AUTH_JWT_JWKS_URL cannot be fetched ("
                        + (fetchProblem == null ? "not fetched yet; retry in 30 s" : fetchProblem) + ")");
            }
            if (kid != null && !has(set, kid)) {
                throw invalid("no key with its kid is published in the JWKS" + (fetchProblem == null ? ""
                        : " (fetching it again failed: " + fetchProblem + ")"));
            }
            return claims(token, set);
        });
    }

    /** What a verified token says. */
    public record Verified(String externalId, Set<Scope> scopes) {
    }

    private Verified claims(String token, JsonWebKeySet set) {
        JwtConsumerBuilder builder = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds(60)
                .setExpectedIssuer(config.issuer().orElseThrow())
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
                        AlgorithmIdentifiers.EDDSA)
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(set.getJsonWebKeys()));
        if (config.audience().isPresent()) {
            builder.setExpectedAudience(config.audience().get());
        } else {
            builder.setSkipDefaultAudienceValidation();
        }
        JwtConsumer consumer = builder.build();
        JwtClaims claims;
        try {
            claims = consumer.processToClaims(token);
        } catch (InvalidJwtException e) {
            throw invalid(reason(e));
        }
        Object tenant = claim(claims.getClaimsMap(), config.tenantClaim());
        if (!(tenant instanceof String) && !(tenant instanceof Number)) {
            throw invalid("it has no '" + config.tenantClaim() + "' claim holding the tenant's external id");
        }
        String externalId = tenant.toString();
        if (externalId.isEmpty() || externalId.length() > 200) {
            throw invalid("its '" + config.tenantClaim() + "' claim must be 1 to 200 characters");
        }
        return new Verified(externalId, scopes(claim(claims.getClaimsMap(), config.scopeClaim())));
    }

    /** A claim by a dotted path ({@code org.id}), or null. */
    static Object claim(Map<String, Object> claims, String path) {
        Object at = claims;
        for (String part : path.split("\\.")) {
            if (!(at instanceof Map<?, ?> map)) {
                return null;
            }
            at = map.get(part);
        }
        return at;
    }

    /** Absent: every scope. Present: the Outport scopes it lists (other names, e.g. openid, are ignored). */
    static Set<Scope> scopes(Object claim) {
        if (claim == null) {
            return Scope.ALL;
        }
        List<?> names = claim instanceof List<?> list ? list
                : claim instanceof String s ? List.of(s.trim().split("\\s+")) : List.of();
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        names.forEach(n -> Scope.parse(String.valueOf(n)).ifPresent(scopes::add));
        return scopes;
    }

    private static String reason(InvalidJwtException e) {
        if (e.hasExpired()) {
            return "it has expired";
        }
        if (e.hasErrorCode(ErrorCodes.EXPIRATION_MISSING)) {
            return "it has no exp claim";
        }
        if (e.hasErrorCode(ErrorCodes.ISSUER_INVALID) || e.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            return "its issuer is not OUTPORT_AUTH_JWT_ISSUER";
        }
        if (e.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || e.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
            return "its audience is not OUTPORT_AUTH_JWT_AUDIENCE";
        }
        if (e.hasErrorCode(ErrorCodes.NOT_YET_VALID) || e.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_FUTURE)) {
            return "it is not valid yet";
        }
        if (e.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
            return "its signature does not verify with the published key";
        }
        return "its algorithm, key or signature is not acceptable (RS256, ES256 or EdDSA with a key of the JWKS)";
    }

    private static ApiException invalid(String why) {
        return ApiException.unauthorized("The bearer token is not valid: " + why);
    }

    private static boolean has(JsonWebKeySet set, String kid) {
        return set.getJsonWebKeys().stream().anyMatch(k -> kid.equals(k.getKeyId()));
    }

    /**
     * The key set fetched again, unless it was fetched within OUTPORT_AUTH_JWT_JWKS_REFETCH (30 s) (then the cached one, or null if none
     * could be fetched). Off the event loop: reading a file or a URL blocks.
     */
    private Uni<JsonWebKeySet> refresh() {
        long last = lastFetch.get();
        long now = System.nanoTime();
        if (now - last < refetchNanos || !lastFetch.compareAndSet(last, now)) {
            return Uni.createFrom().item(keys);
        }
        return Uni.createFrom().item(() -> {
            try {
                JsonWebKeySet fetched = load();
                keys = fetched;
                fetchProblem = null;
                return fetched;
            } catch (Exception e) {
                fetchProblem = Failures.describe(e);
                LOG.warnf("cannot fetch the JWKS at OUTPORT_AUTH_JWT_JWKS_URL: %s", fetchProblem);
                return keys;
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private JsonWebKeySet load() throws Exception {
        String url = source.orElseThrow();
        String json;
        if (url.startsWith("file:")) {
            Path path = Path.of(URI.create(url));
            if (Files.size(path) > MAX_JWKS_BYTES) {
                throw new IOException("larger than 1 MiB");
            }
            json = Files.readString(path);
        } else {
            URI uri = URI.create(url);
            if (!allowPrivate) {
                // Checked at every fetch, against DNS rebinding: the address the name has now must be public.
                for (InetAddress a : InetAddress.getAllByName(WebhookUrls.host(uri))) {
                    if (!WebhookUrls.isPublic(a)) {
                        throw new IOException("its host resolves to a non-public address");
                    }
                }
            }
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("it answered HTTP " + response.statusCode());
            }
            if (response.body().length > MAX_JWKS_BYTES) {
                throw new IOException("larger than 1 MiB");
            }
            json = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
        }
        JsonWebKeySet set = new JsonWebKeySet(json);
        List<JsonWebKey> usable = set.getJsonWebKeys().stream()
                .filter(k -> k.getUse() == null || "sig".equals(k.getUse())).toList();
        if (usable.isEmpty()) {
            throw new IOException("it holds no signing key");
        }
        return new JsonWebKeySet(usable);
    }
}
