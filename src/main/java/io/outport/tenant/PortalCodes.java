package io.outport.tenant;

import io.outport.platform.Randomness;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The one-time codes of portal links: {@code opc_} and 32 random bytes (base64url), stored only as their
 * SHA-256. An exchange is one guarded update ({@code used_at is null and expires_at > now()}), so a code is
 * exchanged exactly once whichever replicas race; a used, expired or unknown code is the same refusal.
 */
@ApplicationScoped
public class PortalCodes {

    /** A new code, shown once. */
    public record Issued(String code, OffsetDateTime expiresAt) {
    }

    /** What an exchanged code grants. */
    public record Grant(UUID tenantId, boolean readOnly, String returnUrl) {
    }

    private final Pool pool;

    public PortalCodes(Pool pool) {
        this.pool = pool;
    }

    /** Issues a code for the tenant; empty when there is no such tenant. */
    public Uni<Optional<Issued>> issue(UUID tenantId, boolean readOnly, String returnUrl, Duration ttl) {
        String code = "opc_" + Base64.getUrlEncoder().withoutPadding().encodeToString(Randomness.bytes(32));
        return pool.preparedQuery("""
                        insert into portal_code (code_hash, tenant_id, read_only, return_url, expires_at)
                        select $1, id, $2, $3, now() + $4 * interval '1 millisecond' from tenant where id = $5
                        returning expires_at""")
                .execute(Tuple.of(Buffer.buffer(ApiKeys.hash(code)), readOnly, returnUrl, ttl.toMillis(), tenantId))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(new Issued(code, rows.iterator().next().getOffsetDateTime("expires_at"))));
    }

    /** Uses the code: what it grants, or empty when it is unknown, used or expired. */
    public Uni<Optional<Grant>> exchange(String code) {
        return pool.preparedQuery("""
                        update portal_code set used_at = now()
                         where code_hash = $1 and used_at is null and expires_at > now()
                        returning tenant_id, read_only, return_url""")
                .execute(Tuple.of(Buffer.buffer(ApiKeys.hash(code))))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    return Optional.of(new Grant(r.getUUID("tenant_id"), r.getBoolean("read_only"), r.getString("return_url")));
                });
    }

    /** Deletes codes that expired more than a day ago (maintenance). */
    public Uni<Integer> purge() {
        return pool.query("delete from portal_code where expires_at < now() - interval '1 day'").execute().map(r -> r.rowCount());
    }
}
