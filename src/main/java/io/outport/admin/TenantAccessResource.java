package io.outport.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.platform.ApiException;
import io.outport.platform.Json;
import io.outport.platform.JsonFields;
import io.outport.platform.OutportConfig;
import io.outport.platform.Problem;
import io.outport.platform.QueryParams;
import io.outport.platform.UuidV7;
import io.outport.tenant.OutportTokens;
import io.outport.tenant.PortalCodes;
import io.outport.tenant.Scope;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Operator API for putting Outport behind the product's sign-in: tokens minted for a tenant (handed by the
 * product's backend to its browser code), their revocation, and one-time portal links into the console.
 */
@Path("/admin/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin", description = "Tenants and API keys (operator token)")
@SecurityRequirement(name = "admin")
public class TenantAccessResource {

    static final Duration MIN_TOKEN_TTL = Duration.ofMinutes(1);
    static final Duration MAX_TOKEN_TTL = Duration.ofHours(24);
    static final Duration MIN_LINK_TTL = Duration.ofMinutes(1);
    static final Duration MAX_LINK_TTL = Duration.ofMinutes(60);

    @Schema(name = "MintToken")
    public record MintToken(@Schema(nullable = true, minItems = 1, description = "of outport:read, outport:write, outport:webhooks; null or absent: all three")
                            List<String> scopes,
                            @Schema(nullable = true, example = "1h", description = "1m to 24h (30m, 1h, PT2H); null or absent: 1h") String ttl) {
    }

    @Schema(name = "MintedToken", description = "A bearer token for /v1; not stored, shown once")
    public record TokenView(String token, OffsetDateTime expires_at, List<String> scopes) {
    }

    @Schema(name = "CreatePortalLink")
    public record CreatePortalLink(@Schema(nullable = true, description = "a session that can only read (no create, no cancel); null or absent: false")
                                   Boolean read_only,
                                   @Schema(nullable = true, maxLength = 2000, example = "https://app.example.com/settings",
                                           description = "http(s) URL the console links back to") String return_url,
                                   @Schema(nullable = true, example = "10m", description = "how long the code can be exchanged: 1m to 60m; null or absent: 10m")
                                   String ttl) {
    }

    @Schema(name = "PortalLink", description = "url opens the console signed in as the tenant; the code is single-use")
    public record LinkView(@Schema(example = "https://exports.example.com/console#code=opc_…") String url, String code,
                           OffsetDateTime expires_at) {
    }

    private final OutportTokens tokens;
    private final PortalCodes codes;
    private final OutportConfig config;

    public TenantAccessResource(OutportTokens tokens, PortalCodes codes, OutportConfig config) {
        this.tokens = tokens;
        this.codes = codes;
        this.config = config;
    }

    @POST
    @Path("/tenants/{tenant_id}/tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Mint a token for a tenant", description = "A bearer token for /v1 with the given scopes, valid ttl; not stored")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = MintToken.class)))
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = TokenView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> mint(@PathParam("tenant_id") String tenantId, String body) {
        UUID id = tenant(tenantId);
        JsonNode json = Json.parse(body);
        JsonFields check = new JsonFields();
        Set<Scope> scopes = Scope.ALL;
        Duration ttl = Duration.ofHours(1);
        if (check.object(json, "", Set.of("scopes", "ttl"))) {
            scopes = AdminResource.scopeList(check, json.get("scopes"));
            ttl = duration(check, json, "ttl", ttl, MIN_TOKEN_TTL, MAX_TOKEN_TTL);
        }
        check.throwIfInvalid();
        return tokens.mint(id, scopes, ttl, "token").map(minted -> minted
                .map(m -> Response.status(201).header("Cache-Control", "no-store")
                        .entity(new TokenView(m.token(), m.expiresAt(), m.scopes().stream().sorted().map(Scope::text).toList())).build())
                .orElseThrow(() -> ApiException.notFound("No such tenant")));
    }

    @POST
    @Path("/tenants/{tenant_id}/tokens/revoke")
    @Operation(summary = "Revoke a tenant's tokens", description = "Every minted token and portal session of the tenant stops working on every replica within 5 s")
    @APIResponse(responseCode = "204", description = "Revoked")
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> revoke(@PathParam("tenant_id") String tenantId) {
        return tokens.revoke(tenant(tenantId)).map(found -> {
            if (!found) {
                throw ApiException.notFound("No such tenant");
            }
            return Response.noContent().build();
        });
    }

    @POST
    @Path("/tenants/{tenant_id}/portal-links")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a portal link", description = "A one-time link that opens the console signed in as the tenant")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = CreatePortalLink.class)))
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = LinkView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> link(@PathParam("tenant_id") String tenantId, String body, @Context UriInfo uri) {
        UUID id = tenant(tenantId);
        JsonNode json = Json.parse(body);
        JsonFields check = new JsonFields();
        boolean readOnly = false;
        String returnUrl = null;
        Duration ttl = Duration.ofMinutes(10);
        if (check.object(json, "", Set.of("read_only", "return_url", "ttl"))) {
            JsonNode ro = json.get("read_only");
            if (ro != null && !ro.isNull() && !ro.isBoolean()) {
                check.add("read_only", "must be true or false");
            }
            readOnly = ro != null && ro.asBoolean(false);
            returnUrl = check.string(json, "return_url", "", 2000, false);
            if (returnUrl != null && !returnUrlOk(returnUrl)) {
                check.add("return_url", "must be an http or https URL");
            }
            ttl = duration(check, json, "ttl", ttl, MIN_LINK_TTL, MAX_LINK_TTL);
        }
        check.throwIfInvalid();
        String base = config.publicUrl().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u)
                .orElseGet(() -> {
                    URI b = uri.getBaseUri();
                    return b.getScheme() + "://" + b.getRawAuthority();
                });
        return codes.issue(id, readOnly, returnUrl, ttl).map(issued -> issued
                .map(i -> Response.status(201).header("Cache-Control", "no-store")
                        // The code travels in the fragment: browsers never send it to a server or in a Referer.
                        .entity(new LinkView(base + "/console#code=" + i.code(), i.code(), i.expiresAt())).build())
                .orElseThrow(() -> ApiException.notFound("No such tenant")));
    }

    /** An absolute http(s) URL without credentials: never {@code javascript:} or {@code data:}. */
    static boolean returnUrlOk(String url) {
        try {
            URI u = new URI(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            return (scheme.equals("https") || scheme.equals("http")) && u.getHost() != null && !u.getHost().isEmpty()
                    && u.getRawUserInfo() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static UUID tenant(String tenantId) {
        return UuidV7.parse(tenantId).orElseThrow(() -> ApiException.notFound("No such tenant"));
    }

    private static Duration duration(JsonFields check, JsonNode json, String name, Duration dflt, Duration min, Duration max) {
        JsonNode v = json.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        Duration d = v.isTextual() ? QueryParams.parseDuration(v.asText()) : null;
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            check.add(name, "must be a duration from " + describe(min) + " to " + describe(max) + ", as 10m, 1h or PT30M");
            return dflt;
        }
        return d;
    }

    private static String describe(Duration d) {
        return d.toHours() > 0 && d.toMinutes() % 60 == 0 ? d.toHours() + "h" : d.toMinutes() + "m";
    }
}
