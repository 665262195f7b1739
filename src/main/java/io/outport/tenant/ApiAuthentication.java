package io.outport.tenant;

import io.outport.platform.ApiException;
import io.outport.platform.OutportConfig;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/**
 * Authenticates every /v1 request by its bearer API key, applies the tenant's rate limit and adds the
 * RateLimit headers; checks the admin token on /admin/v1. Runs before the body is read.
 */
public class ApiAuthentication {

    private static final Pattern KEY = Pattern.compile("op_[A-Za-z0-9_-]{43}");

    private final ApiKeys keys;
    private final RateLimiter limiter;
    private final Caller caller;
    private final OutportConfig config;

    public ApiAuthentication(ApiKeys keys, RateLimiter limiter, Caller caller, OutportConfig config) {
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
        String key = bearer(request.getHeaderString("Authorization"));
        if (key == null || !KEY.matcher(key).matches()) {
            throw ApiException.unauthorized("Send an API key as 'Authorization: Bearer op_…'");
        }
        RateLimiter.Bucket bucket = switch (request.getMethod()) {
            case "GET", "HEAD", "OPTIONS" -> RateLimiter.Bucket.reads;
            default -> RateLimiter.Bucket.writes;
        };
        return keys.tenantOf(key).chain(tenant -> {
            if (tenant.isEmpty()) {
                throw ApiException.unauthorized("The API key is unknown or revoked");
            }
            caller.authenticated(tenant.get());
            return limiter.hit(tenant.get(), bucket);
        }).invoke(decision -> {
            // On the HTTP response itself, as soon as the decision is made: every answer carries them, whether
            // a resource's, a problem's, or an event stream's (whose headers leave before any response filter).
            raw.response().putHeader("RateLimit-Policy", decision.policyHeader())
                    .putHeader("RateLimit", decision.stateHeader());
            if (!decision.allowed()) {
                ApiException limited = ApiException.tooMany("rate_limited", "Too many requests",
                        "The " + decision.bucket() + " rate limit of " + decision.limit()
                                + " requests per minute is used up; retry in " + decision.resetSeconds() + " s",
                        decision.resetSeconds());
                throw limited;
            }
        }).replaceWithVoid();
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
