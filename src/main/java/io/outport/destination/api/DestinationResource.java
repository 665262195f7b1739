package io.outport.destination.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.destination.Destination;
import io.outport.destination.DestinationClients;
import io.outport.destination.DestinationRepository;
import io.outport.destination.DestinationStore;
import io.outport.destination.SecretBox;
import io.outport.export.storage.PartStores;
import io.outport.platform.ApiException;
import io.outport.platform.Json;
import io.outport.platform.JsonFields;
import io.outport.platform.OutportConfig;
import io.outport.platform.Problem;
import io.outport.platform.UuidV7;
import io.outport.tenant.Caller;
import io.outport.webhook.WebhookUrls;
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
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A tenant's destinations: its own S3-compatible buckets, into which exports that name one are written. A
 * destination is stored only once Outport has written and deleted a test object there with exactly the
 * credentials it will use. Secrets are sealed ({@link SecretBox}) and never shown again.
 */
@Path("/v1/destinations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "destinations")
@SecurityRequirement(name = "apiKey")
public class DestinationResource {

    static final String ROLE_ARN = "arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}";
    static final String EXTERNAL_ID = "[A-Za-z0-9+=,.@:/_-]{2,1224}";
    static final String BUCKET = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";
    static final String REGION = "[a-z0-9-]{1,32}";

    @Schema(name = "CreateDestination")
    public record CreateDestination(
            @Schema(required = true, enumeration = {"s3"}) String type,
            @Schema(required = true, example = "acme-exports", description = "an S3 bucket name (3–63 characters)") String bucket,
            @Schema(nullable = true, maxLength = 512, example = "outport/", description = "parts go to <prefix><export id>/part-00001.ndjson.gz; null or absent: none")
            String prefix,
            @Schema(nullable = true, example = "eu-west-1", description = "null or absent: us-east-1") String region,
            @Schema(nullable = true, example = "https://storage.googleapis.com", description = "an S3-compatible store (MinIO, R2, GCS's XML API…): https, public addresses only; null or absent: AWS S3")
            String endpoint,
            @Schema(nullable = true, description = "path-style URLs (most S3-compatible stores); null or absent: false") Boolean path_style,
            @Schema(required = true) CredentialsInput credentials) {
    }

    @Schema(name = "DestinationCredentialsInput", description = "role_arn (and optionally external_id), or access_key_id and secret_access_key")
    public record CredentialsInput(
            @Schema(nullable = true, example = "arn:aws:iam::123456789012:role/outport-writer") String role_arn,
            @Schema(nullable = true, description = "null or absent: the external id Outport generated for you (GET /v1/destinations)") String external_id,
            @Schema(nullable = true) String access_key_id,
            @Schema(nullable = true, description = "stored encrypted, never shown again") String secret_access_key) {
    }

    @Schema(name = "Destination")
    public record DestinationView(UUID id, @Schema(enumeration = {"s3"}) String type, String bucket, String prefix,
                                  String region, @Schema(nullable = true) String endpoint, boolean path_style,
                                  CredentialsView credentials, OffsetDateTime created_at) {
        static DestinationView of(Destination d) {
            return new DestinationView(d.id(), "s3", d.bucket(), d.prefix(), d.region(), d.endpoint(), d.pathStyle(),
                    d.assumesRole() ? new CredentialsView("role", d.roleArn(), d.externalId(), null)
                            : new CredentialsView("access_key", null, null, d.accessKeyId()), d.createdAt());
        }
    }

    @Schema(name = "DestinationCredentials", description = "what the destination writes with; the secret access key is never shown")
    public record CredentialsView(@Schema(enumeration = {"role", "access_key"}) String type,
                                  @Schema(nullable = true) String role_arn,
                                  @Schema(nullable = true, description = "the external id Outport passes when it assumes the role") String external_id,
                                  @Schema(nullable = true) String access_key_id) {
    }

    @Schema(name = "DestinationList")
    public record DestinationList(List<DestinationView> data,
                                  @Schema(description = "the external id Outport generated for you: put it in the trust policy of the role you give it (sts:ExternalId)")
                                  String external_id) {
    }

    private final DestinationRepository repository;
    private final DestinationClients clients;
    private final PartStores stores;
    private final SecretBox secrets;
    private final Caller caller;
    private final OutportConfig config;

    public DestinationResource(DestinationRepository repository, DestinationClients clients, PartStores stores,
                               SecretBox secrets, Caller caller, OutportConfig config) {
        this.repository = repository;
        this.clients = clients;
        this.stores = stores;
        this.secrets = secrets;
        this.caller = caller;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register a destination",
            description = "Outport writes and deletes a small test object there with exactly these credentials before it answers")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = CreateDestination.class)))
    @APIResponse(responseCode = "201", headers = @Header(name = "Location"),
            content = @Content(schema = @Schema(implementation = DestinationView.class)))
    @APIResponse(responseCode = "400", description = "invalid_request; destination_check_failed: the store refused the test object (the detail says what it said)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "too_many_destinations; destinations_not_configured: this deployment has no OUTPORT_SECRETS_KEY",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(String body) {
        if (!secrets.canSeal()) {
            throw ApiException.conflict("destinations_not_configured", "Destinations not configured",
                    "This deployment cannot store credentials (its operator has not set OUTPORT_SECRETS_KEY)");
        }
        JsonNode json = Json.parse(body);
        UUID tenant = caller.tenantId();
        UUID id = UuidV7.next();
        return repository.externalId(tenant).chain(defaultExternalId -> {
            Destination candidate = parse(json, id, tenant, defaultExternalId);
            DestinationStore store = stores.store(candidate);
            // The probe checks that the endpoint resolves to public addresses (as before every part) before any request.
            return store.probe().onFailure().transform(e -> {
                clients.invalidate(id);
                return e instanceof DestinationStore.EndpointRefused refused
                        ? ApiException.invalid("endpoint", refused.problem())
                        : DestinationChecks.refused(store, e);
            }).chain(() -> repository.create(candidate)).map(created -> {
                Destination d = created.orElseThrow(() -> {
                    clients.invalidate(id);
                    return ApiException.conflict("too_many_destinations", "Too many destinations", "A tenant has at most "
                            + DestinationRepository.MAX_PER_TENANT + " destinations; delete one first");
                });
                return Response.status(201).header("Location", "/v1/destinations/" + d.id())
                        .entity(DestinationView.of(d)).build();
            });
        });
    }

    /** The body as a destination with its secret sealed; every problem at once, none echoing a value. */
    private Destination parse(JsonNode json, UUID id, UUID tenant, String defaultExternalId) {
        JsonFields check = new JsonFields();
        if (!check.object(json, "", Set.of("type", "bucket", "prefix", "region", "endpoint", "path_style", "credentials"))) {
            check.throwIfInvalid();
        }
        String type = check.string(json, "type", "", 20, true);
        if (type != null && !type.equals("s3")) {
            check.add("type", "must be s3");
        }
        String bucket = check.string(json, "bucket", "", 63, true);
        if (bucket != null && !bucket.matches(BUCKET)) {
            check.add("bucket", "must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens");
        }
        String prefix = check.string(json, "prefix", "", 0, 512, false);
        if (prefix != null && (prefix.startsWith("/") || prefix.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            check.add("prefix", "must not start with / nor contain control characters");
        }
        String region = check.string(json, "region", "", 32, false);
        if (region != null && !region.matches(REGION)) {
            check.add("region", "must be a region name such as eu-west-1");
        }
        String endpoint = check.string(json, "endpoint", "", WebhookUrls.MAX_LENGTH, false);
        if (endpoint != null) {
            WebhookUrls.formProblem(endpoint, config.webhooks().allowPrivate()).ifPresentOrElse(p -> check.add("endpoint", p), () -> {
                URI uri = URI.create(endpoint);
                if (uri.getRawQuery() != null || uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
                    check.add("endpoint", "must be the store's origin, without a path or query (the bucket is a field of its own)");
                }
            });
        }
        boolean pathStyle = false;
        JsonNode ps = json.get("path_style");
        if (ps != null && !ps.isNull()) {
            if (!ps.isBoolean()) {
                check.add("path_style", "must be true or false");
            } else {
                pathStyle = ps.booleanValue();
            }
        }
        String roleArn = null;
        String externalId = null;
        String accessKeyId = null;
        String secretKey = null;
        JsonNode credentials = json.get("credentials");
        if (credentials == null || credentials.isNull()) {
            check.add("credentials", "is required: {\"role_arn\", \"external_id\"?} or {\"access_key_id\", \"secret_access_key\"}");
        } else if (check.object(credentials, "credentials", Set.of("role_arn", "external_id", "access_key_id", "secret_access_key"))) {
            roleArn = check.string(credentials, "role_arn", "credentials", 2048, false);
            externalId = check.string(credentials, "external_id", "credentials", 1224, false);
            accessKeyId = check.string(credentials, "access_key_id", "credentials", 128, false);
            secretKey = check.string(credentials, "secret_access_key", "credentials", 256, false);
            boolean role = roleArn != null || externalId != null;
            boolean keys = accessKeyId != null || secretKey != null;
            if (role == keys) {
                check.add("credentials", "must hold role_arn (and optionally external_id), or access_key_id and"
                        + " secret_access_key: one of the two");
            } else if (role) {
                if (roleArn == null) {
                    check.add("credentials.role_arn", "is required with external_id");
                } else if (!roleArn.matches(ROLE_ARN)) {
                    check.add("credentials.role_arn", "must be an IAM role ARN such as arn:aws:iam::123456789012:role/outport-writer");
                }
                if (externalId != null && !externalId.matches(EXTERNAL_ID)) {
                    check.add("credentials.external_id", "must be 2 to 1224 letters, digits or any of +=,.@:/_-");
                }
            } else {
                if (accessKeyId == null) {
                    check.add("credentials.access_key_id", "is required with secret_access_key");
                } else if (!accessKeyId.matches("[\\x21-\\x7e]{3,128}")) {
                    check.add("credentials.access_key_id", "must be 3 to 128 visible characters");
                }
                if (secretKey == null) {
                    check.add("credentials.secret_access_key", "is required with access_key_id");
                } else if (!secretKey.matches("[\\x21-\\x7e]{1,256}")) {
                    check.add("credentials.secret_access_key", "must be 1 to 256 visible characters");
                }
            }
        }
        check.throwIfInvalid();
        boolean role = roleArn != null;
        return new Destination(id, tenant, bucket, prefix == null ? "" : prefix, region == null ? "us-east-1" : region,
                endpoint, pathStyle, roleArn, role ? (externalId == null ? defaultExternalId : externalId) : null,
                role ? null : accessKeyId, role ? null : secrets.seal(secretKey, id.toString()), secrets.currentKeyId(),
                null, null);
    }

    @GET
    @Operation(summary = "List destinations, newest first", description = "With the external id Outport generated for you")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = DestinationList.class)))
    public Uni<DestinationList> list() {
        UUID tenant = caller.tenantId();
        return repository.list(tenant).chain(list -> repository.externalId(tenant)
                .map(externalId -> new DestinationList(list.stream().map(DestinationView::of).toList(), externalId)));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Get a destination")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = DestinationView.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<DestinationView> get(@PathParam("id") String id) {
        UUID destinationId = UuidV7.parse(id).orElseThrow(DestinationResource::noSuchDestination);
        return repository.find(caller.tenantId(), destinationId)
                .map(found -> DestinationView.of(found.orElseThrow(DestinationResource::noSuchDestination)));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a destination", description = "Its credentials are erased. What was delivered there stays;"
            + " exports delivered there keep their locations.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "destination_in_use: an export to it is queued or processing",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> delete(@PathParam("id") String id) {
        UUID destinationId = UuidV7.parse(id).orElseThrow(DestinationResource::noSuchDestination);
        return repository.delete(caller.tenantId(), destinationId).map(outcome -> switch (outcome) {
            case NOT_FOUND -> throw noSuchDestination();
            case IN_USE -> throw ApiException.conflict("destination_in_use", "Destination in use",
                    "An export to this destination is queued or processing; cancel it or let it finish first");
            case DELETED -> {
                clients.invalidate(destinationId);
                yield Response.noContent().build();
            }
        });
    }

    private static ApiException noSuchDestination() {
        return ApiException.notFound("No such destination");
    }
}
