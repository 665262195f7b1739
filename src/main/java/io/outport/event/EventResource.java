package io.outport.event;

import com.fasterxml.jackson.databind.JsonNode;
import io.outport.platform.ApiException;
import io.outport.platform.Cursor;
import io.outport.platform.Json;
import io.outport.platform.JsonFields;
import io.outport.platform.Problem;
import io.outport.platform.QueryParams;
import io.outport.platform.Times;
import io.outport.tenant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The built-in events dataset: batch ingest and a cursor-paginated list for small reads. */
@Path("/v1/events")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "events")
@SecurityRequirement(name = "apiKey")
public class EventResource {

    static final int MAX_BATCH = 1000;
    static final int MAX_PROPERTIES_BYTES = 16 * 1024;
    private static final Set<String> BATCH_FIELDS = Set.of("events");
    private static final Set<String> EVENT_FIELDS = Set.of("type", "occurred_at", "user_id", "properties");

    /** Body of POST /v1/events (documentation shape; the body is validated field by field). */
    @Schema(name = "EventBatch")
    public record Batch(@Schema(required = true, minItems = 1, maxItems = MAX_BATCH) List<EventIn> events) {
    }

    @Schema(name = "EventIn")
    public record EventIn(@Schema(required = true, maxLength = 100, example = "purchase") String type,
                          @Schema(required = true, example = "2026-01-15T10:30:00Z") OffsetDateTime occurred_at,
                          @Schema(maxLength = 200, example = "u_42", nullable = true, description = "null or absent: no user") String user_id,
                          @Schema(description = "JSON object, at most 16 KiB; null or absent: {}", nullable = true) Map<String, Object> properties) {
    }

    @Schema(name = "Accepted")
    public record Accepted(int accepted) {
    }

    @Schema(name = "EventPage")
    public record Page(List<EventView> data, @Schema(nullable = true, description = "null on the last page") String next_cursor) {
    }

    private final EventRepository events;
    private final Caller caller;

    public EventResource(EventRepository events, Caller caller) {
        this.events = events;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Ingest a batch of 1–1000 events", description = "All or nothing: one bad event rejects the batch")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = Batch.class)))
    @APIResponse(responseCode = "202", content = @Content(schema = @Schema(implementation = Accepted.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> ingest(String body) {
        List<NewEvent> batch = parseBatch(Json.parse(body));
        return events.insert(caller.tenantId(), batch)
                .map(n -> Response.status(202).entity(new Accepted(n)).build());
    }

    @GET
    @Operation(summary = "List events in (occurred_at, id) order")
    @Parameter(name = "from", in = ParameterIn.QUERY, description = "inclusive lower bound on occurred_at (RFC 3339)")
    @Parameter(name = "to", in = ParameterIn.QUERY, description = "exclusive upper bound on occurred_at (RFC 3339)")
    @Parameter(name = "type", in = ParameterIn.QUERY, description = "event type; repeat for several (type=a&type=b)",
            explode = org.eclipse.microprofile.openapi.annotations.enums.Explode.TRUE,
            schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY, implementation = String.class, maxItems = 100))
    @Parameter(name = "user_id", in = ParameterIn.QUERY, description = "exact match; empty (user_id=) matches events whose user_id is the empty string")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "1–1000, default 100")
    @Parameter(name = "cursor", in = ParameterIn.QUERY, description = "next_cursor of the previous page")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Page.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Page> list(@Context UriInfo uri) {
        QueryParams params = new QueryParams(uri, Set.of("from", "to", "type", "user_id", "limit", "cursor"));
        OffsetDateTime from = params.time("from");
        OffsetDateTime to = params.time("to");
        List<String> types = params.strings("type", 100);
        String userId = params.stringOrEmpty("user_id", 200);
        int limit = params.limit();
        OffsetDateTime afterTime = null;
        Long afterId = null;
        String cursor = params.string("cursor", 512);
        if (from != null && to != null && !from.isBefore(to)) {
            params.errors().add("from", "must be before to");
        }
        if (cursor != null) {
            List<String> parts = Cursor.decode(cursor, 2, "cursor");
            afterTime = Times.parse(parts.get(0));
            afterId = parseLong(parts.get(1));
            if (afterTime == null || afterId == null) {
                throw ApiException.invalid("cursor", "is not a cursor issued by this server");
            }
        }
        params.errors().throwIfInvalid();
        EventQuery query = new EventQuery(from, to, types, userId, limit, afterTime, afterId);
        return events.page(caller.tenantId(), query).map(rows -> {
            if (rows.size() <= limit) {
                return new Page(rows, null);
            }
            List<EventView> page = rows.subList(0, limit);
            EventView last = page.get(limit - 1);
            return new Page(page, Cursor.encode(
                    java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(last.occurred_at()),
                    Long.toString(last.id())));
        });
    }

    static List<NewEvent> parseBatch(JsonNode json) {
        JsonFields check = new JsonFields();
        if (!check.object(json, "", BATCH_FIELDS)) {
            check.throwIfInvalid();
        }
        JsonNode list = json.get("events");
        if (list == null || !list.isArray()) {
            check.add("events", "must be an array of 1 to " + MAX_BATCH + " events");
            check.throwIfInvalid();
        }
        if (list.isEmpty() || list.size() > MAX_BATCH) {
            check.add("events", "must hold 1 to " + MAX_BATCH + " events, got " + list.size());
            check.throwIfInvalid();
        }
        List<NewEvent> batch = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String path = "events[" + i + "]";
            JsonNode e = list.get(i);
            if (!check.object(e, path, EVENT_FIELDS)) {
                continue;
            }
            String type = check.string(e, "type", path, 100, true);
            String userId = check.string(e, "user_id", path, 0, 200, false);
            OffsetDateTime occurredAt = null;
            JsonNode t = e.get("occurred_at");
            if (t == null || t.isNull()) {
                check.add(path + ".occurred_at", "is required");
            } else if (!t.isTextual() || (occurredAt = Times.parse(t.textValue())) == null) {
                check.add(path + ".occurred_at", Times.EXPECTED);
            }
            String properties = "{}";
            JsonNode p = e.get("properties");
            if (p != null && !p.isNull()) {
                if (!p.isObject()) {
                    check.add(path + ".properties", "must be a JSON object");
                } else if (JsonFields.containsNul(p)) {
                    check.add(path + ".properties", "must not contain NUL characters");
                } else {
                    properties = Json.write(p);
                    if (properties.getBytes(StandardCharsets.UTF_8).length > MAX_PROPERTIES_BYTES) {
                        check.add(path + ".properties", "must be at most 16 KiB of JSON");
                    }
                }
            }
            batch.add(new NewEvent(type, occurredAt, userId, properties));
        }
        check.throwIfInvalid();
        return batch;
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
