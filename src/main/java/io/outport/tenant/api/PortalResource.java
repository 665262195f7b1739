package io.outport.tenant.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.platform.ApiException;
import io.outport.platform.Json;
import io.outport.platform.JsonFields;
import io.outport.platform.OutportConfig;
import io.outport.platform.Problem;
import io.outport.tenant.OutportTokens;
import io.outport.tenant.PortalCodes;
import io.outport.tenant.Scope;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.OffsetDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The console's way in from a portal link: the one-time code (the credential itself, no Authorization header)
 * is exchanged for a session token. Attempts are limited per client address (PortalAttempts), and a code has
 * 256 random bits, so guessing one is pointless.
 */
@Path("/v1/portal/sessions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "portal", description = "Sessions for the console, from one-time portal links")
public class PortalResource {

    @Schema(name = "ExchangePortalCode")
    public record Exchange(@Schema(required = true, example = "opc_…", description = "the code of a portal link") String code) {
    }

    @Schema(name = "PortalSession", description = "A bearer token for /v1 that the console keeps in the tab")
    public record SessionView(String token, OffsetDateTime expires_at, List<String> scopes,
                              @Schema(nullable = true, description = "where the console links back to") String return_url) {
    }

    private final PortalCodes codes;
    private final OutportTokens tokens;
    private final OutportConfig config;

    public PortalResource(PortalCodes codes, OutportTokens tokens, OutportConfig config) {
        this.codes = codes;
        this.tokens = tokens;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @SecurityRequirements
    @Operation(summary = "Exchange a portal code for a session", description = "No Authorization header: the single-use code is the credential")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = Exchange.class)))
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = SessionView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> exchange(String body) {
        JsonNode json = Json.parse(body);
        JsonFields check = new JsonFields();
        String code = null;
        if (check.object(json, "", Set.of("code"))) {
            code = check.string(json, "code", "", 200, true);
        }
        check.throwIfInvalid();
        return codes.exchange(code).chain(grant -> {
            if (grant.isEmpty()) {
                throw ApiException.unauthorized("This portal link is used, expired or unknown; ask for a new one");
            }
            Set<Scope> scopes = grant.get().readOnly() ? EnumSet.of(Scope.READ) : EnumSet.of(Scope.READ, Scope.WRITE);
            return tokens.mint(grant.get().tenantId(), scopes, config.portal().sessionTtl(), "portal").map(minted -> {
                var m = minted.orElseThrow(() -> ApiException.unauthorized("This portal link's tenant no longer exists"));
                return Response.status(201).header("Cache-Control", "no-store").entity(new SessionView(m.token(),
                        m.expiresAt(), m.scopes().stream().sorted().map(Scope::text).toList(), grant.get().returnUrl())).build();
            });
        });
    }
}
