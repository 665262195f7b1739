package io.outport.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.platform.ApiException;
import io.outport.platform.Json;
import io.outport.platform.JsonFields;
import io.outport.platform.Problem;
import io.outport.platform.UuidV7;
import io.outport.tenant.ApiKeys;
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
    public record TenantView(UUID id, String name, String external_id, OffsetDateTime created_at) {
        static TenantView of(Tenant t) {
            return new TenantView(t.id, t.name, t.externalId, t.createdAt);
        }
    }

    @Schema(name = "IssuedApiKey", description = "The key is shown once; only its hash is stored")
    public record KeyView(UUID id, @Schema(example = "op_3qZx…") String key, String prefix, OffsetDateTime created_at) {
    }

    private final ApiKeys keys;

    public AdminResource(ApiKeys keys) {
        this.keys = keys;
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
    @Operation(summary = "Issue an API key for a tenant")
    @APIResponse(responseCode = "201", content = @Content(schema = @Schema(implementation = KeyView.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> issueKey(@PathParam("tenant_id") String tenantId) {
        UUID id = UuidV7.parse(tenantId).orElseThrow(() -> ApiException.notFound("No such tenant"));
        return keys.issue(id).map(issued -> issued
                .map(k -> Response.status(201).entity(new KeyView(k.id(), k.key(), k.prefix(), k.createdAt())).build())
                .orElseThrow(() -> ApiException.notFound("No such tenant")));
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
