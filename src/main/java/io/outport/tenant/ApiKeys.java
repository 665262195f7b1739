package io.outport.tenant;

import io.outport.platform.Randomness;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.outport.platform.UuidV7;

/**
 * Issues, revokes and checks API keys. A key is {@code op_} and 32 random bytes (base64url); only its
 * SHA-256 is stored. Successful lookups are cached for {@link #CACHE_NANOS} so that a status poll does
 * not pay for an extra query, short enough that a revocation reaches every replica within 5 s.
 */
@ApplicationScoped
public class ApiKeys {

    /** Issued key: the secret is returned exactly once. */
    public record Issued(UUID id, String key, String prefix, Set<Scope> scopes, OffsetDateTime createdAt) {
    }

    static final long CACHE_NANOS = 2_000_000_000L;
    private static final int MAX_CACHED = 100_000;

    private record Cached(Authenticated caller, long until) {
    }

    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    @WithTransaction
    public Uni<Optional<Issued>> issue(UUID tenantId, Set<Scope> scopes) {
        return Tenant.<Tenant>findById(tenantId).onItem().transformToUni(tenant -> {
            if (tenant == null) {
                return Uni.createFrom().item(Optional.<Issued>empty());
            }
            byte[] secret = Randomness.bytes(32);
            String key = "op_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            ApiKey entity = new ApiKey();
            entity.id = UuidV7.next();
            entity.tenantId = tenantId;
            entity.prefix = key.substring(0, 10);
            entity.keyHash = hash(key);
            entity.scopes = Scope.join(scopes);
            entity.createdAt = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
            return entity.persist().replaceWith(
                    Optional.of(new Issued(entity.id, key, entity.prefix, scopes, entity.createdAt)));
        });
    }

    /** Revokes a key; false when there is no such key. Idempotent. */
    @WithTransaction
    public Uni<Boolean> revoke(UUID keyId) {
        return ApiKey.update("revokedAt = coalesce(revokedAt, ?1) where id = ?2",
                        OffsetDateTime.now(ZoneOffset.UTC), keyId)
                .map(n -> {
                    cache.clear();
                    return n > 0;
                });
    }

    /** The tenant and scopes of a presented key, or empty when the key is unknown or revoked. */
    public Uni<Optional<Authenticated>> resolve(String key) {
        byte[] hash = hash(key);
        String cacheKey = Base64.getEncoder().encodeToString(hash);
        Cached hit = cache.get(cacheKey);
        long now = System.nanoTime();
        if (hit != null && hit.until - now > 0) {
            return Uni.createFrom().item(Optional.of(hit.caller));
        }
        return lookup(hash).map(tenant -> {
            if (tenant.isPresent()) {
                if (cache.size() >= MAX_CACHED) {
                    cache.clear();
                }
                cache.put(cacheKey, new Cached(tenant.get(), System.nanoTime() + CACHE_NANOS));
            } else {
                cache.remove(cacheKey);
            }
            return tenant;
        });
    }

    private Uni<Optional<Authenticated>> lookup(byte[] hash) {
        return Panache.withSession(() -> ApiKey.<ApiKey>find("keyHash = ?1 and revokedAt is null", hash)
                .firstResult()
                .map(k -> Optional.ofNullable(k).map(found -> new Authenticated(found.tenantId, Scope.split(found.scopes)))));
    }

    static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
