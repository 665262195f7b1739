package io.outport.webhook.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.platform.ApiException;
import io.outport.platform.Cursor;
import io.outport.platform.Json;
import io.outport.platform.JsonFields;
import io.outport.platform.OutportConfig;
import io.outport.platform.Problem;
import io.outport.platform.QueryParams;
import io.outport.platform.Times;
import io.outport.platform.UuidV7;
import io.outport.tenant.Caller;
import io.outport.webhook.WebhookRepository;
import io.outport.webhook.WebhookSignature;
import io.outport.webhook.WebhookUrls;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** A tenant's webhook endpoints and their delivery log. */
@Path("/v1/webhooks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "webhooks")
@SecurityRequirement(name = "apiKey")
public class WebhookResource {

    static final List<String> EVENTS = List.of("export.completed", "export.failed", "export.canceled");

    @Schema(name = "CreateWebhook")
    public record CreateWebhook(
            @Schema(required = true, maxLength = 2000, example = "https://example.com/hooks/outport",
                    description = "https, resolving to public addresses only; no credentials, no fragment") String url,
            @Schema(nullable = true, minItems = 1, maxItems = 3,
                    description = "any of export.completed, export.failed, export.canceled; null or absent: all three")
            List<String> events) {
    }

    @Schema(name = "Webhook")
    public record WebhookView(UUID id, String url, List<String> events,
                              @Schema(nullable = true, description = "whsec_…: in the answer to the creation only, null afterwards")
                              String secret, OffsetDateTime created_at) {
        static WebhookView of(WebhookRepository.Endpoint e, boolean withSecret) {
            return new WebhookView(e.id(), e.url(), e.events(), withSecret ? e.secret() : null, e.createdAt());
        }
    }

    @Schema(name = "WebhookList")
    public record WebhookList(List<WebhookView> data) {
    }

    @Schema(name = "WebhookDelivery")
    public record DeliveryView(@Schema(description = "also the webhook-id header, after msg_") UUID id,
                               @Schema(enumeration = {"export.completed", "export.failed", "export.canceled"}) String event_type,
                               UUID export_id,
                               @Schema(enumeration = {"pending", "delivered", "failed"}) String status,
                               int attempts,
                               @Schema(nullable = true) Integer last_response_status,
                               @Schema(nullable = true) String last_error,
                               @Schema(nullable = true, description = "when pending: the next attempt") OffsetDateTime next_attempt_at,
                               OffsetDateTime created_at,
                               @Schema(nullable = true) OffsetDateTime finished_at) {
        static DeliveryView of(WebhookRepository.Delivery d) {
            return new DeliveryView(d.id(), d.eventType(), d.exportId(), d.status(), d.attempts(), d.lastResponseStatus(),
                    d.lastError(), d.status().equals("pending") ? d.nextAttemptAt() : null, d.createdAt(), d.finishedAt());
        }
    }

    @Schema(name = "WebhookDeliveryPage")
    public record DeliveryPage(List<DeliveryView> data, @Schema(nullable = true) String next_cursor) {
    }

    private final WebhookRepository repository;
    private final Caller caller;
    private final OutportConfig config;

    public WebhookResource(WebhookRepository repository, Caller caller, OutportConfig config) {
        this.repository = repository;
        this.caller = caller;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register a webhook endpoint", description = "The secret is in this answer only")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = CreateWebhook.class)))
    @APIResponse(responseCode = "201", headers = @Header(name = "Location"),
            content = @Content(schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "too_many_webhooks",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(String body) {
        JsonNode json = Json.parse(body);
        JsonFields check = new JsonFields();
        String url = null;
        List<String> events = EVENTS;
        if (check.object(json, "", Set.of("url", "events"))) {
            url = check.string(json, "url", "", WebhookUrls.MAX_LENGTH, true);
            if (url != null) {
                WebhookUrls.formProblem(url, config.webhooks().allowPrivate()).ifPresent(p -> check.add("url", p));
            }
            JsonNode e = json.get("events");
            if (e != null && !e.isNull()) {
                events = events(e, check);
            }
        }
        check.throwIfInvalid();
        String checked = url;
        List<String> subscribed = events;
        UUID tenant = caller.tenantId();
        // The name must resolve to public addresses now (and it is checked again at every delivery).
        return Uni.createFrom().item(() -> WebhookUrls.resolvedProblem(checked, config.webhooks().allowPrivate())).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(problem -> {
                    if (problem.isPresent()) {
                        throw ApiException.invalid("url", problem.get());
                    }
                    return repository.create(tenant, checked, subscribed, WebhookSignature.newSecret());
                }).map(created -> {
                    WebhookRepository.Endpoint endpoint = created.orElseThrow(() -> ApiException.conflict("too_many_webhooks",
                            "Too many webhooks", "A tenant has at most " + WebhookRepository.MAX_ENDPOINTS
                                    + " webhook endpoints; delete one first"));
                    return Response.status(201).header("Location", "/v1/webhooks/" + endpoint.id())
                            .entity(WebhookView.of(endpoint, true)).build();
                });
    }

    private static List<String> events(JsonNode e, JsonFields check) {
        if (!e.isArray() || e.isEmpty() || e.size() > EVENTS.size()) {
            check.add("events", "must be a list of 1 to 3 of " + String.join(", ", EVENTS));
            return EVENTS;
        }
        Set<String> chosen = new LinkedHashSet<>();
        for (int i = 0; i < e.size(); i++) {
            JsonNode v = e.get(i);
            if (!v.isTextual() || !EVENTS.contains(v.asText())) {
                check.add("events[" + i + "]", "must be one of " + String.join(", ", EVENTS));
            } else if (!chosen.add(v.asText())) {
                check.add("events[" + i + "]", "is listed twice");
            }
        }
        return List.copyOf(chosen);
    }

    @GET
    @Operation(summary = "List webhook endpoints, newest first")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = WebhookList.class)))
    public Uni<WebhookList> list() {
        return repository.list(caller.tenantId()).map(list -> new WebhookList(list.stream().map(e -> WebhookView.of(e, false)).toList()));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Get a webhook endpoint")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<WebhookView> get(@PathParam("id") String id) {
        return load(id).map(e -> WebhookView.of(e, false));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a webhook endpoint", description = "Its pending deliveries are not sent")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> delete(@PathParam("id") String id) {
        UUID webhookId = UuidV7.parse(id).orElseThrow(WebhookResource::noSuchWebhook);
        return repository.delete(caller.tenantId(), webhookId).map(deleted -> {
            if (!deleted) {
                throw noSuchWebhook();
            }
            return Response.noContent().build();
        });
    }

    @GET
    @Path("/{id}/deliveries")
    @Operation(summary = "List an endpoint's deliveries, newest first", description = "Kept for 7 days after they end")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "1–1000, default 100")
    @Parameter(name = "cursor", in = ParameterIn.QUERY, description = "next_cursor of the previous page")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = DeliveryPage.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<DeliveryPage> deliveries(@PathParam("id") String id, @Context UriInfo uri) {
        QueryParams params = new QueryParams(uri, Set.of("limit", "cursor"));
        int limit = params.limit();
        String cursor = params.string("cursor", 512);
        OffsetDateTime beforeTime = null;
        UUID beforeId = null;
        if (cursor != null) {
            List<String> parts = Cursor.decode(cursor, 2, "cursor");
            beforeTime = Times.parse(parts.get(0));
            beforeId = UuidV7.parse(parts.get(1)).orElse(null);
            if (beforeTime == null || beforeId == null) {
                throw ApiException.invalid("cursor", "is not a cursor issued by this server");
            }
        }
        params.errors().throwIfInvalid();
        OffsetDateTime t = beforeTime;
        UUID b = beforeId;
        return load(id).chain(endpoint -> repository.deliveries(endpoint.id(), t, b, limit)).map(rows -> {
            List<WebhookRepository.Delivery> page = rows.size() > limit ? rows.subList(0, limit) : rows;
            String next = null;
            if (rows.size() > limit) {
                WebhookRepository.Delivery last = page.get(limit - 1);
                next = Cursor.encode(last.createdAt().toString(), last.id().toString());
            }
            return new DeliveryPage(new ArrayList<>(page.stream().map(DeliveryView::of).toList()), next);
        });
    }

    private Uni<WebhookRepository.Endpoint> load(String id) {
        UUID webhookId = UuidV7.parse(id).orElseThrow(WebhookResource::noSuchWebhook);
        return repository.find(caller.tenantId(), webhookId).map(found -> found.orElseThrow(WebhookResource::noSuchWebhook));
    }

    private static ApiException noSuchWebhook() {
        return ApiException.notFound("No such webhook");
    }
}
