package io.outport.platform;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Completes the generated OpenAPI document where annotations would only repeat themselves, so that it
 * passes the standard linters: every response has a description (its reason phrase unless the code says
 * more), every header and parameter a schema, every operation an {@code operationId} (method and path,
 * stable as long as the path is) and a description, every tag a description.
 */
public class OpenApiContract implements OASFilter {

    private static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry("200", "OK"), Map.entry("201", "Created"), Map.entry("202", "Accepted"),
            Map.entry("204", "No content"), Map.entry("307", "Temporary redirect"),
            Map.entry("400", "Invalid request: every bad field is listed in errors"),
            Map.entry("401", "Missing, malformed, unknown or revoked credentials"),
            Map.entry("404", "No such resource for this tenant"), Map.entry("405", "Method not allowed"),
            Map.entry("409", "Conflict with the resource's state"), Map.entry("410", "Gone"),
            Map.entry("413", "Body over 1 MiB"), Map.entry("415", "Body not application/json"),
            Map.entry("422", "Idempotency-Key reused with another body"),
            Map.entry("403", "insufficient_scope: the credential lacks the scope this operation needs (outport:read, outport:write or outport:webhooks)"),
            Map.entry("429", "Rate limit or quota exceeded; see Retry-After"),
            Map.entry("503", "A dependency is unavailable; retry later"));

    private static final Map<String, String> TAGS = Map.of(
            "exports", "Create exports, follow them (poll, long poll, Server-Sent Events), download their files",
            "events", "The built-in events dataset: ingest and list",
            "datasets", "What can be exported: the built-in events and the declared datasets",
            "webhooks", "Endpoints called when an export ends, and their delivery log",
            "destinations", "Your customers' own buckets, into which exports are delivered",
            "admin", "Tenants and API keys (the operator's token)");

    private static final Set<String> INTEGER_PARAMETERS = Set.of("limit", "part", "Retry-After");

    /** Java types the generator names as schemas of their own; the document says what they are instead. */
    private static final Map<String, String> FORMATS = Map.of(
            "#/components/schemas/OffsetDateTime", "date-time",
            "#/components/schemas/Instant", "date-time",
            "#/components/schemas/UUID", "uuid");

    @Override
    public Schema filterSchema(Schema schema) {
        if (schema.getRef() != null && FORMATS.containsKey(schema.getRef())) {
            String format = FORMATS.get(schema.getRef());
            schema.setRef(null);
            schema.setType(List.of(Schema.SchemaType.STRING));
            schema.setFormat(format);
        }
        return schema;
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() != null && openAPI.getComponents().getSchemas() != null) {
            FORMATS.keySet().forEach(ref -> openAPI.getComponents().removeSchema(ref.substring(ref.lastIndexOf('/') + 1)));
        }
        if (openAPI.getPaths() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations().forEach((method, op) -> complete(path, method, op)));
        if (openAPI.getTags() != null) {
            openAPI.getTags().forEach(t -> {
                if (t.getDescription() == null && TAGS.containsKey(t.getName())) {
                    t.setDescription(TAGS.get(t.getName()));
                }
            });
        }
    }

    private static void complete(String path, PathItem.HttpMethod method, Operation op) {
        // Authentication and the rate limit apply to every operation of its API, before the operation runs.
        if (op.getResponses() != null) {
            if (path.startsWith("/v1/") || path.startsWith("/admin/v1/")) {
                problem(op, "401");
            }
            if (path.startsWith("/v1/")) {
                problem(op, "403");
                problem(op, "429");
            }
            if (path.startsWith("/v1/") || path.startsWith("/admin/v1/")) {
                problem(op, "503");
            }
            // A path with an id names a resource that may not exist (or be another tenant's).
            if (path.contains("{")) {
                problem(op, "404");
            }
            // Every body is checked for its size and media type before the operation runs.
            if (op.getRequestBody() != null) {
                problem(op, "413");
                problem(op, "415");
            }
        }
        if (op.getOperationId() == null) {
            op.setOperationId(operationId(method.name(), path));
        }
        if (op.getDescription() == null || op.getDescription().isBlank()) {
            op.setDescription(op.getSummary());
        }
        if (op.getParameters() != null) {
            for (Parameter p : op.getParameters()) {
                if (p.getSchema() == null && p.getContent() == null) {
                    p.setSchema(schemaFor(p.getName()));
                }
            }
        }
        if (op.getResponses() != null && op.getResponses().getAPIResponses() != null) {
            op.getResponses().getAPIResponses().forEach((code, r) -> complete(code, r));
        }
    }

    private static void problem(Operation op, String code) {
        if (op.getResponses().getAPIResponse(code) != null) {
            return;
        }
        APIResponse r = OASFactory.createAPIResponse().description(REASONS.get(code))
                .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType()
                        .schema(OASFactory.createSchema().ref("#/components/schemas/Problem"))));
        if (code.equals("429")) {
            r.addHeader("Retry-After", OASFactory.createHeader().description("seconds to wait before retrying")
                    .schema(schemaFor("Retry-After")));
        }
        op.getResponses().addAPIResponse(code, r);
    }

    private static void complete(String code, APIResponse r) {
        if (r.getDescription() == null || r.getDescription().isBlank()) {
            r.setDescription(REASONS.getOrDefault(code, "HTTP " + code));
        }
        if (r.getHeaders() != null) {
            r.getHeaders().forEach((name, h) -> complete(name, h));
        }
    }

    private static void complete(String name, Header h) {
        if (h.getSchema() == null && h.getContent() == null) {
            h.setSchema(schemaFor(name));
        }
        if (h.getDescription() == null) {
            h.setDescription(switch (name) {
                case "Location" -> "the resource's URL";
                case "Retry-After" -> "seconds to wait before retrying";
                default -> name;
            });
        }
    }

    private static Schema schemaFor(String name) {
        return OASFactory.createSchema().type(List.of(INTEGER_PARAMETERS.contains(name) ? Schema.SchemaType.INTEGER
                : Schema.SchemaType.STRING));
    }

    /** {@code GET /v1/exports/{id}/events} → {@code getExportsIdEvents}; admin paths keep an Admin prefix. */
    static String operationId(String method, String path) {
        StringBuilder id = new StringBuilder(method.toLowerCase(java.util.Locale.ROOT));
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals("v1")) {
                continue;
            }
            String word = segment.replaceAll("[{}]", "");
            StringBuilder camel = new StringBuilder();
            for (String part : word.split("[-_]")) {
                if (!part.isEmpty()) {
                    camel.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
                }
            }
            id.append(camel);
        }
        return id.toString();
    }
}
