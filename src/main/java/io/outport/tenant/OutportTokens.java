package io.outport.tenant;

import io.outport.platform.ApiException;
import io.outport.platform.Randomness;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.HmacKey;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Outport's own bearer tokens for a tenant: minted by the admin API for the product's browser code, and the
 * sessions the console gets for a portal link. HS256 JWTs (only Outport signs and verifies them) with a key
 * every replica shares: generated once and kept in table {@code signing_key}, named by the token's kid
 * ({@code outport-<id>}) so keys rotate. Not stored: a token carries its tenant, scopes, expiry and the tenant's
 * token generation, which a revocation increments; replicas cache a tenant's generation for 2 s, so a revoked
 * token stops working everywhere within 5 s.
 */
@ApplicationScoped
public class OutportTokens {

    /** The key id prefix that tells Outport's tokens from the product's. */
    public static final String KID_PREFIX = "outport-";
    private static final String ISSUER = "outport";
    private static final long GENERATION_CACHE_NANOS = 2_000_000_000L;
    private static final long KEY_RELOAD_NANOS = 5_000_000_000L;

    /** A minted token. */
    public record Minted(String token, OffsetDateTime expiresAt, Set<Scope> scopes) {
    }

    private record Generation(int value, long until) {
    }

    private final Pool pool;
    private volatile Map<String, byte[]> keys = Map.of();
    private volatile String signingKid;
    private final AtomicLong keysLoaded = new AtomicLong(System.nanoTime() - KEY_RELOAD_NANOS);
    private final ConcurrentHashMap<UUID, Generation> generations = new ConcurrentHashMap<>();

    public OutportTokens(Pool pool) {
        this.pool = pool;
    }

    /** Whether a JWT's header names one of Outport's keys. */
    public static boolean isOutportToken(String kid) {
        return kid != null && kid.startsWith(KID_PREFIX);
    }

    /** Mints a token for the tenant; empty when there is no such tenant. */
    public Uni<java.util.Optional<Minted>> mint(UUID tenantId, Set<Scope> scopes, Duration ttl, String kind) {
        return signingKeys().chain(ready -> pool.preparedQuery("select token_generation from tenant where id = $1")
                .execute(Tuple.of(tenantId)).map(rows -> {
                    if (rows.size() == 0) {
                        return java.util.Optional.<Minted>empty();
                    }
                    int generation = rows.iterator().next().getInteger("token_generation");
                    JwtClaims claims = new JwtClaims();
                    claims.setIssuer(ISSUER);
                    claims.setSubject(tenantId.toString());
                    claims.setIssuedAtToNow();
                    NumericDate exp = NumericDate.now();
                    exp.addSeconds(ttl.toSeconds());
                    claims.setExpirationTime(exp);
                    claims.setClaim("scope", Scope.join(scopes));
                    claims.setClaim("gen", generation);
                    claims.setClaim("kind", kind);
                    claims.setJwtId(UUID.randomUUID().toString());
                    JsonWebSignature jws = new JsonWebSignature();
                    jws.setPayload(claims.toJson());
                    jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
                    jws.setKeyIdHeaderValue(KID_PREFIX + signingKid);
                    jws.setKey(new HmacKey(keys.get(signingKid)));
                    try {
                        return java.util.Optional.of(new Minted(jws.getCompactSerialization(),
                                OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(exp.getValue()), ZoneOffset.UTC), scopes));
                    } catch (org.jose4j.lang.JoseException e) {
                        throw new IllegalStateException("cannot sign a token", e);
                    }
                }));
    }

    /** The tenant and scopes of a valid, unrevoked Outport token; a 401 otherwise. */
    public Uni<Authenticated> verify(String token, String kid) {
        String id = kid.substring(KID_PREFIX.length());
        Uni<Map<String, byte[]>> known = keys.containsKey(id) ? Uni.createFrom().item(keys) : reloadKeys();
        return known.chain(set -> {
            byte[] secret = set.get(id);
            if (secret == null) {
                return Uni.createFrom().failure(invalid("it names no signing key of this deployment"));
            }
            JwtClaims claims;
            try {
                claims = new JwtConsumerBuilder().setRequireExpirationTime().setAllowedClockSkewInSeconds(5)
                        .setExpectedIssuer(ISSUER).setSkipDefaultAudienceValidation().setRequireSubject()
                        .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.HMAC_SHA256)
                        .setVerificationKey(new HmacKey(secret)).build().processToClaims(token);
            } catch (InvalidJwtException e) {
                return Uni.createFrom().failure(invalid(e.hasExpired() ? "it has expired" : "its signature or claims are not valid"));
            }
            UUID tenant;
            int generation;
            try {
                tenant = UUID.fromString(claims.getSubject());
                generation = ((Number) claims.getClaimValue("gen")).intValue();
            } catch (Exception e) {
                return Uni.createFrom().failure(invalid("its claims are not Outport's"));
            }
            Set<Scope> scopes = HostTokens.scopes(claims.getClaimValue("scope"));
            return generation(tenant).map(current -> {
                if (current == null || current != generation) {
                    throw invalid("the tenant's tokens were revoked");
                }
                return new Authenticated(tenant, scopes);
            });
        });
    }

    /** Ends every token and portal session of the tenant, on every replica within 5 s; false: no such tenant. */
    public Uni<Boolean> revoke(UUID tenantId) {
        return pool.preparedQuery("update tenant set token_generation = token_generation + 1 where id = $1 returning id")
                .execute(Tuple.of(tenantId)).map(rows -> {
                    generations.remove(tenantId);
                    return rows.size() == 1;
                });
    }

    private Uni<Integer> generation(UUID tenant) {
        Generation hit = generations.get(tenant);
        if (hit != null && hit.until - System.nanoTime() > 0) {
            return Uni.createFrom().item(hit.value);
        }
        return pool.preparedQuery("select token_generation from tenant where id = $1").execute(Tuple.of(tenant)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            int value = rows.iterator().next().getInteger("token_generation");
            if (generations.size() > 100_000) {
                generations.clear();
            }
            generations.put(tenant, new Generation(value, System.nanoTime() + GENERATION_CACHE_NANOS));
            return value;
        });
    }

    /** The signing keys, the first one generated if the database has none (once, whichever replica races). */
    private Uni<Void> signingKeys() {
        if (signingKid != null) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("insert into signing_key (id, secret) select $1, $2 where not exists"
                        + " (select 1 from signing_key where retired_at is null) on conflict do nothing")
                .execute(Tuple.of(Long.toString(Randomness.secure().nextLong() & Long.MAX_VALUE, 36),
                        io.vertx.core.buffer.Buffer.buffer(Randomness.bytes(32))))
                .chain(this::loadKeys).replaceWithVoid();
    }

    private Uni<Map<String, byte[]>> reloadKeys() {
        long last = keysLoaded.get();
        if (System.nanoTime() - last < KEY_RELOAD_NANOS || !keysLoaded.compareAndSet(last, System.nanoTime())) {
            return Uni.createFrom().item(keys);
        }
        return loadKeys();
    }

    private Uni<Map<String, byte[]>> loadKeys() {
        return pool.query("select id, secret from signing_key where retired_at is null order by created_at desc, id").execute()
                .map(rows -> {
                    Map<String, byte[]> loaded = new java.util.LinkedHashMap<>();
                    String newest = null;
                    for (Row r : rows) {
                        loaded.put(r.getString("id"), r.getBuffer("secret").getBytes());
                        newest = newest == null ? r.getString("id") : newest;
                    }
                    keys = Map.copyOf(loaded);
                    signingKid = newest;
                    keysLoaded.set(System.nanoTime());
                    return keys;
                });
    }

    private static ApiException invalid(String why) {
        return ApiException.unauthorized("The bearer token is not valid: " + why);
    }

    /** The scopes of a list, for callers that parse them. */
    static List<String> names(Set<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::text).toList();
    }
}
