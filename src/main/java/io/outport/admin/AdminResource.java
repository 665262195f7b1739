package io.outport.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.platform.ApiException;
import io.outport.platform.Json;
import io.outport.platform.JsonFields;
import io.outport.platform.Problem;
import io.outport.platform.UuidV7;
import io.outport.tenant.ApiKeys;
import io.outport.tenant.Scope;
import io.outport.tenant.Tenant;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Operator API: tenants and their API keys. Guarded by OUTPORT_ADMIN_TOKEN (see ApiAuthentication). */
@Path("/admin/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin", description = "Tenants and API keys (operator token)")
@SecurityScheme(securitySchemeName = "admin", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "OUTPORT_ADMIN_TOKEN")
@SecurityRequirement(name = "admin")
public class AdminResource {

    /** Body of POST /admin/v1/tenants. */
    @Schema(name = "CreateTenant")
    public record CreateTenant(@Schema(required = true, maxLength = 200, example = "acme") String name,
                               @Schema(minLength = 1, maxLength = 200, example = "acct_1042", nullable = true,
                                       description = "What the tenant columns of declared datasets hold for this tenant (unique); default: the tenant's id")
                               String external_id) {
    }

    @Schema(name = "Tenant")
    public record TenantView(UUID id, String name, String external_id,
                             @Schema(description = "the external id Outport passes when it assumes this tenant's customers' IAM roles (destinations): random, stable")
                             String destination_external_id,
                             OffsetDateTime created_at) {
        static TenantView of(Tenant t) {
            return new TenantView(t.id, t.name, t.externalId, t.destinationExternalId, t.createdAt);
        }
    }

    @Schema(name = "IssuedApiKey", description = "The key is shown once; only its hash is stored")
    public record KeyView(UUID id, @Schema(example = "op_3qZx…") String key, String prefix,
                          @Schema(description = "what the key may do: outport:read, outport:write, outport:webhooks") List<String> scopes,
                          OffsetDateTime created_at) {
    }

    /** Body of POST /admin/v1/tenants/{id}/api-keys (optional). */
    @Schema(name = "IssueApiKey")
    public record IssueKey(@Schema(nullable = true, minItems = 1,
            description = "what the key may do, of outport:read, outport:write, outport:webhooks; null or absent: all three") List<String> scopes) {
    }

    private final ApiKeys keys;
    private final io.outport.tenant.Tenants tenants;

    public AdminResource(ApiKeys keys, io.outport.tenant.Tenants tenants) {
        this.keys = keys;
        this.tenants = tenants;
    }

    @POST
    @Path("/tenants")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a tenant")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = CreateTenant.class)))
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "external_id_taken",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @WithTransaction
    public Uni<Response> createTenant(String body) {
        JsonNode json = Json.parse(body);
        JsonFields check = new JsonFields();
        String name = null;
        String externalId = null;
        if (check.object(json, "", Set.of("name", "external_id"))) {
            name = check.string(json, "name", "", 200, true);
            externalId = check.string(json, "external_id", "", 200, false);
        }
        check.throwIfInvalid();
        Tenant tenant = new Tenant();
        tenant.id = UuidV7.next();
        tenant.name = name;
        tenant.externalId = externalId == null ? tenant.id.toString() : externalId;
        tenant.destinationExternalId = io.outport.destination.DestinationRepository.newExternalId();
        tenant.createdAt = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        return Tenant.count("externalId", tenant.externalId).chain(taken -> {
            if (taken > 0) {
                throw externalIdTaken(tenant.externalId);
            }
            return tenant.persistAndFlush();
        }).onFailure(AdminResource::isUniqueViolation).transform(e -> externalIdTaken(tenant.externalId))
                .replaceWith(() -> Response.status(201)
                        .header("Location", "/admin/v1/tenants/" + tenant.id)
                        .entity(TenantView.of(tenant)).build());
    }

    @Schema(name = "TenantList")
    public record TenantPage(List<TenantView> data) {
    }

    /** Body of PUT /admin/v1/tenants/by-external-id/{external_id}. */
    @Schema(name = "PutTenant")
    public record PutTenant(@Schema(required = true, maxLength = 200, example = "Acme Inc.") String name) {
    }

    @GET
    @Path("/tenants")
    @Operation(summary = "Find tenants", description = "By external_id (required): the tenant that holds it, or an empty list")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = TenantPage.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @WithSession
    public Uni<TenantPage> findTenants(@org.eclipse.microprofile.openapi.annotations.parameters.Parameter(required = true,
            description = "1–200 characters") @jakarta.ws.rs.QueryParam("external_id") String externalId) {
        if (externalId == null || externalId.isEmpty() || externalId.length() > 200) {
            throw ApiException.invalid("external_id", "is required: 1 to 200 characters");
        }
        return Tenant.<Tenant>find("externalId", externalId).firstResult()
                .map(t -> new TenantPage(t == null ? List.of() : List.of(TenantView.of(t))));
    }

    @jakarta.ws.rs.PUT
    @Path("/tenants/by-external-id/{external_id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or rename the tenant with an external id",
            description = "Idempotent: the call a product's sign-up flow makes. 201 when created, 200 when it existed (renamed if the name differs)")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = PutTenant.class)))
    @APIResponse(responseCode = "200", description = "Existed", content = @Content(schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "201", description = "Created", content = @Content(schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> putTenant(@PathParam("external_id") String externalId, String body) {
        JsonFields check = new JsonFields();
        if (externalId == null || externalId.isEmpty() || externalId.length() > 200) {
            check.add("external_id", "must be 1 to 200 characters");
        }
        JsonNode json = Json.parse(body);
        String name = null;
        if (check.object(json, "", Set.of("name"))) {
            name = check.string(json, "name", "", 200, true);
        }
        check.throwIfInvalid();
        String wanted = name;
        return tenants.upsertByExternalId(externalId, wanted).map(r -> Response.status(r.created() ? 201 : 200)
                .header("Location", "/admin/v1/tenants/" + r.tenant().id).entity(TenantView.of(r.tenant())).build());
    }

    @GET
    @Path("/tenants/{tenant_id}")
    @Operation(summary = "Get a tenant")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "401", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @WithSession
    public Uni<TenantView> getTenant(@PathParam("tenant_id") String tenantId) {
        UUID id = UuidV7.parse(tenantId).orElseThrow(() -> ApiException.notFound("No such tenant"));
        return Tenant.<Tenant>findById(id).map(t -> {
            if (t == null) {
                throw ApiException.notFound("No such tenant");
            }
            return TenantView.of(t);
        });
    }

    private static ApiException externalIdTaken(String externalId) {
        return ApiException.conflict("external_id_taken", "external_id taken",
                "Another tenant already has external_id '" + externalId + "'");
    }

    /** A concurrent create took the same external_id between the check and the insert. */
    private static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
                return true;
            }
        }
        return false;
    }

    @POST
    @Path("/tenants/{tenant_id}/api-keys")
    @Operation(summary = "Issue an API key for a tenant", description = "The body is optional: without it the key has every scope")
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = IssueKey.class)))
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = KeyView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> issueKey(@PathParam("tenant_id") String tenantId, String body) {
        UUID id = UuidV7.parse(tenantId).orElseThrow(() -> ApiException.notFound("No such tenant"));
        java.util.Set<Scope> scopes = body == null || body.isBlank() ? Scope.ALL : scopes(Json.parse(body));
        return keys.issue(id, scopes).map(issued -> issued
                .map(k -> Response.status(201).entity(new KeyView(k.id(), k.key(), k.prefix(),
                        k.scopes().stream().sorted().map(Scope::text).toList(), k.createdAt())).build())
                .orElseThrow(() -> ApiException.notFound("No such tenant")));
    }

    /** {@code {"scopes": [...]}}: known names, at least one; null or absent: every scope. */
    static java.util.Set<Scope> scopes(JsonNode json) {
        JsonFields check = new JsonFields();
        java.util.Set<Scope> scopes = Scope.ALL;
        if (check.object(json, "", Set.of("scopes"))) {
            scopes = scopeList(check, json.get("scopes"));
        }
        check.throwIfInvalid();
        return scopes;
    }

    /** A scope list field: known names, at least one; null or absent: every scope. Errors go to {@code check}. */
    public static java.util.Set<Scope> scopeList(JsonFields check, JsonNode list) {
        java.util.Set<Scope> scopes = java.util.EnumSet.noneOf(Scope.class);
        if (list == null || list.isNull()) {
            return Scope.ALL;
        }
        if (!list.isArray() || list.isEmpty()) {
            check.add("scopes", "must be a non-empty array of " + String.join(", ", Scope.NAMES));
            return scopes;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode s = list.get(i);
            java.util.Optional<Scope> scope = s.isTextual() ? Scope.parse(s.asText()) : java.util.Optional.empty();
            if (scope.isEmpty()) {
                check.add("scopes[" + i + "]", "must be one of " + String.join(", ", Scope.NAMES));
            } else {
                scopes.add(scope.get());
            }
        }
        return scopes;
    }

    @DELETE
    @Path("/api-keys/{key_id}")
    @Operation(summary = "Revoke an API key", description = "The key stops working on every replica within 5 s")
    @APIResponse(responseCode = "204", description = "Revoked")
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> revoke(@PathParam("key_id") String keyId) {
        UUID id = UuidV7.parse(keyId).orElseThrow(() -> ApiException.notFound("No such API key"));
        return keys.revoke(id).map(found -> {
            if (!found) {
                throw ApiException.notFound("No such API key");
            }
            return Response.noContent().build();
        });
    }
}
