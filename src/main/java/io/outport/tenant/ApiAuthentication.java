package io.outport.tenant;

import io.outport.platform.ApiException;
import io.outport.platform.OutportConfig;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Authenticates every /v1 request by its bearer credential — an API key, or a JWT signed by the product's
 * identity provider ({@link HostTokens}) — as one tenant with scopes, applies the tenant's rate limit and adds
 * the RateLimit headers, then checks the scope the request needs (403 {@code insufficient_scope}); checks the
 * admin token on /admin/v1. Runs before the body is read.
 */
public class ApiAuthentication {

    private static final Pattern KEY = Pattern.compile("op_[A-Za-z0-9_-]{43}");
    /** The one /v1 operation without a bearer credential. */
    static final String PORTAL_SESSIONS = "/v1/portal/sessions";

    private final ApiKeys keys;
    private final RateLimiter limiter;
    private final Caller caller;
    private final OutportConfig config;

    private final HostTokens hostTokens;
    private final Tenants tenants;
    private final OutportTokens outportTokens;
    private final PortalAttempts portalAttempts;

    public ApiAuthentication(ApiKeys keys, RateLimiter limiter, Caller caller, OutportConfig config, HostTokens hostTokens,
                             Tenants tenants, OutportTokens outportTokens, PortalAttempts portalAttempts) {
        this.hostTokens = hostTokens;
        this.outportTokens = outportTokens;
        this.portalAttempts = portalAttempts;
        this.tenants = tenants;
        this.keys = keys;
        this.limiter = limiter;
        this.caller = caller;
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Uni<Void> authenticate(ContainerRequestContext request, io.vertx.core.http.HttpServerRequest raw) {
        String path = request.getUriInfo().getPath();
        if (path.startsWith("/admin/")) {
            checkAdmin(request.getHeaderString("Authorization"));
            return Uni.createFrom().voidItem();
        }
        if (!path.startsWith("/v1/") && !path.equals("/v1")) {
            return Uni.createFrom().voidItem();
        }
        if (!config.api().enabled()) {
            throw ApiException.notFound("The API is disabled on this process");
        }
        if (path.equals(PORTAL_SESSIONS)) {
            // The portal code in the body is the credential; guesses are limited per client address.
            long wait = portalAttempts.tryAcquire(raw.remoteAddress() == null ? "?" : raw.remoteAddress().host());
            if (wait > 0) {
                throw ApiException.tooMany("rate_limited", "Too many requests",
                        "Too many portal code attempts from this address; retry in " + wait + " s", wait);
            }
            return Uni.createFrom().voidItem();
        }
        String key = bearer(request.getHeaderString("Authorization"));
        boolean apiKey = key != null && KEY.matcher(key).matches();
        boolean token = key != null && !apiKey && HostTokens.looksLikeJwt(key);
        String kid = token ? HostTokens.kidOf(key) : null;
        boolean outport = token && OutportTokens.isOutportToken(kid);
        if (!apiKey && !outport && !(token && hostTokens.enabled())) {
            throw ApiException.unauthorized(hostTokens.enabled()
                    ? "Send an API key as 'Authorization: Bearer op_…', a token minted by Outport, or one signed by the product's identity provider"
                    : "Send an API key as 'Authorization: Bearer op_…' or a token minted by Outport");
        }
        RateLimiter.Bucket bucket = switch (request.getMethod()) {
            case "GET", "HEAD", "OPTIONS" -> RateLimiter.Bucket.reads;
            default -> RateLimiter.Bucket.writes;
        };
        Scope needed = Scope.required(request.getMethod(), path);
        // One path for every credential kind: each resolves to a tenant and its scopes, then the same rate
        // limit and scope check apply.
        Uni<Optional<Authenticated>> resolved = apiKey ? keys.resolve(key)
                : outport ? outportTokens.verify(key, kid).map(Optional::of)
                : hostTokens.verify(key).chain(v -> tenants.idOf(v.externalId(), config.auth().tenantProvisioning())
                        .map(id -> {
                            if (id.isEmpty()) {
                                throw ApiException.unauthorized("The token's tenant is unknown and"
                                        + " OUTPORT_AUTH_TENANT_PROVISIONING is off");
                            }
                            return Optional.of(new Authenticated(id.get(), v.scopes()));
                        }));
        return resolved.chain(found -> {
            if (found.isEmpty()) {
                throw ApiException.unauthorized("The API key is unknown or revoked");
            }
            Authenticated who = found.get();
            caller.authenticated(who.tenantId(), who.scopes());
            return limiter.hit(who.tenantId(), bucket).invoke(decision -> admit(raw, decision, who, needed,
                    request.getMethod() + " " + path));
        }).replaceWithVoid();
    }

    /**
     * Puts the RateLimit headers on the HTTP response itself, as soon as the decision is made (every answer
     * carries them, whether a resource's, a problem's, or an event stream's, whose headers leave before any
     * response filter), then refuses what is over the limit, then what the credential's scopes do not cover:
     * after the tenant is known and its budget spent, before anything about a resource is looked up, so a
     * missing scope never tells whether a resource exists (tenancy stays 404).
     */
    private static void admit(io.vertx.core.http.HttpServerRequest raw, RateLimiter.Decision decision, Authenticated who,
                              Scope needed, String operation) {
        raw.response().putHeader("RateLimit-Policy", decision.policyHeader()).putHeader("RateLimit", decision.stateHeader());
        if (!decision.allowed()) {
            throw ApiException.tooMany("rate_limited", "Too many requests", "The " + decision.bucket() + " rate limit of "
                    + decision.limit() + " requests per minute is used up; retry in " + decision.resetSeconds() + " s",
                    decision.resetSeconds());
        }
        if (!who.scopes().contains(needed)) {
            throw new ApiException(403, "insufficient_scope", "Insufficient scope", "This credential lacks the scope '"
                    + needed.text() + "' that " + operation + " needs (it has: "
                    + (who.scopes().isEmpty() ? "none" : Scope.join(who.scopes())) + ")", null, java.util.Map.of());
        }
    }

    private void checkAdmin(String authorization) {
        if (!config.api().enabled() || config.admin().token().isEmpty()) {
            throw ApiException.notFound("The admin API is disabled; set OUTPORT_ADMIN_TOKEN to enable it");
        }
        String presented = bearer(authorization);
        byte[] expected = config.admin().token().get().getBytes(StandardCharsets.UTF_8);
        byte[] given = presented == null ? new byte[0] : presented.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, given)) {
            throw ApiException.unauthorized("Send the admin token as 'Authorization: Bearer …'");
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null || authorization.length() < 8
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }
}
