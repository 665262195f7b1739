package io.outport.export.api;

import io.outport.dataset.Datasets;
import io.outport.dataset.FilterCheck;
import io.outport.export.Export;
import io.outport.export.ExportFile;
import io.outport.export.ExportReads;
import io.outport.export.ExportRepository;
import io.outport.export.ExportStatus;
import io.outport.export.push.ExportChanges;
import io.outport.destination.Destination;
import io.outport.destination.DestinationRepository;
import io.outport.destination.api.DestinationChecks;
import io.outport.export.storage.PartStores;
import io.outport.platform.ApiException;
import io.outport.platform.Cursor;
import io.outport.platform.Json;
import io.outport.platform.Problem;
import io.outport.platform.QueryParams;
import io.outport.platform.UuidV7;
import io.outport.tenant.Caller;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
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
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Creates and estimates exports of the calling tenant, checked field by field. */
@Path("/v1/exports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "exports")
@SecurityRequirement(name = "apiKey")
public class ExportCreation {

    /** Body of POST /v1/exports (documentation shape; validated field by field). */
    @Schema(name = "CreateExport")
    public record CreateExport(
            @Schema(required = true, example = "events") String dataset,
            @Schema(enumeration = {"ndjson", "csv"}, defaultValue = "ndjson", nullable = true, description = "null or absent: ndjson") String format,
            @Schema(enumeration = {"gzip", "none"}, defaultValue = "gzip", nullable = true, description = "null or absent: gzip") String compression,
            @Schema(nullable = true, description = "from/to: half-open range on the time column; other keys: filterable columns, a value of the column's type or a list; null or absent: no filter")
            Map<String, Object> filters,
            @Schema(nullable = true, minItems = 1, description = "columns in output order; null or absent: all") List<String> fields,
            @Schema(minimum = "5242880", maximum = "5368709120", defaultValue = "104857600", nullable = true,
                    description = "null or absent: 104857600") Long max_file_bytes,
            @Schema(nullable = true, maxLength = 200, description = "the watermark of a completed export of the same dataset, with the"
                    + " same filters: exports only the rows committed after that export's snapshot; null or absent: every row")
            String since,
            @Schema(nullable = true, description = "the id of one of your destinations (POST /v1/destinations): the parts are"
                    + " written into that bucket instead of being downloaded from Outport; null or absent: downloaded")
            String destination) {
    }

    private final ExportRepository exports;
    private final Datasets datasets;
    private final Caller caller;
    private final FilterCheck filterCheck;
    private final io.outport.export.ExportEstimator estimator;
    private final DestinationRepository destinations;
    private final PartStores stores;

    public ExportCreation(ExportRepository exports, Datasets datasets, Caller caller, FilterCheck filterCheck,
                          io.outport.export.ExportEstimator estimator, DestinationRepository destinations, PartStores stores) {
        this.exports = exports;
        this.datasets = datasets;
        this.caller = caller;
        this.filterCheck = filterCheck;
        this.estimator = estimator;
        this.destinations = destinations;
        this.stores = stores;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an export", description = "Queues the export; poll its Location for the status")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = CreateExport.class)))
    @Parameter(name = "Idempotency-Key", in = ParameterIn.HEADER, description = "≤ 255 characters; a repeat returns the same export")
    @APIResponse(responseCode = "202", description = "Created and queued",
            headers = {@Header(name = "Location"), @Header(name = "Retry-After")},
            content = @Content(schema = @Schema(implementation = ExportView.class)))
    @APIResponse(responseCode = "200", description = "Repeat of an idempotent request",
            content = @Content(schema = @Schema(implementation = ExportView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", headers = @Header(name = "Retry-After"),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(String body, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 255
                || idempotencyKey.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            throw ApiException.invalid("Idempotency-Key", "must be 1 to 255 visible characters");
        }
        return validated(body).chain(parsed -> exports.create(caller.tenantId(), parsed.spec(),
                datasets.fingerprint(parsed.dataset()), idempotencyKey)).map(created -> {
            Export e = created.export();
            ExportStatus status = e.effectiveStatus(OffsetDateTime.now(ZoneOffset.UTC));
            Response.ResponseBuilder rb = Response.status(created.created() ? 202 : 200)
                    .header("Location", "/v1/exports/" + e.id());
            if (!status.finished()) {
                rb.header("Retry-After", ExportResource.POLL_HINT);
            }
            // A repeat of a completed export answers without minted URLs; GET the export for them.
            return rb.entity(ExportView.of(e, status, List.of())).build();
        });
    }

    @Schema(name = "ExportEstimate")
    public record EstimateView(
            @Schema(description = "rows the export would have now: counted with the export's own query") long rows_estimated,
            @Schema(description = "stored bytes: the first 1,000 rows encoded and compressed as the export would, scaled") long bytes_estimated,
            @Schema(description = "part files, at max_file_bytes each") int parts_estimated) {
    }

    @POST
    @Path("/estimate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Estimate an export", description = "The body of a create, validated the same way; nothing is created or queued")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = CreateExport.class)))
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = EstimateView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", headers = @Header(name = "Retry-After"),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EstimateView> estimate(String body) {
        return validated(body).chain(parsed -> writable(parsed.destination()).replaceWith(parsed))
                .chain(parsed -> estimator.estimate(caller.tenantId(), parsed.dataset(), parsed.spec()))
                .map(e -> new EstimateView(e.rows(), e.bytes(), e.parts()));
    }

    /** An estimate naming a destination also checks it can be written to, as its registration did. */
    private Uni<Void> writable(Destination destination) {
        if (destination == null) {
            return Uni.createFrom().voidItem();
        }
        var store = stores.store(destination);
        return store.probe().onFailure().transform(e -> DestinationChecks.refused(store, e));
    }

    /** A create body checked field by field, filter values by the source database too; every error in one 400. */
    private Uni<ExportRequests.Parsed> validated(String body) {
        ExportRequests.Parsed parsed = ExportRequests.parse(Json.parseExact(body), datasets);
        Uni<Void> checked = parsed.dataset() == null ? Uni.createFrom().voidItem()
                : filterCheck.check(parsed.dataset(), parsed.spec().match(), parsed.errors());
        return checked.chain(() -> since(parsed)).chain(this::destination).invoke(p -> p.errors().throwIfInvalid());
    }

    /** The destination must be one of the caller's (another tenant's is not found either). */
    private Uni<ExportRequests.Parsed> destination(ExportRequests.Parsed parsed) {
        if (parsed.spec().destination() == null) {
            return Uni.createFrom().item(parsed);
        }
        return destinations.find(caller.tenantId(), parsed.spec().destination()).map(found -> {
            if (found.isEmpty()) {
                parsed.errors().add("destination", ExportRequests.NO_SUCH_DESTINATION);
                return parsed;
            }
            return parsed.withDestination(found.get());
        });
    }

    /**
     * Resolves {@code since}: the watermark must name a completed export of the caller's tenant, of the same
     * dataset and with the same filters (an incremental export continues that query); its mark is copied.
     */
    private static final String NOT_A_WATERMARK = "is not a watermark issued by this server (the watermark of a completed export)";

    private Uni<ExportRequests.Parsed> since(ExportRequests.Parsed parsed) {
        if (parsed.since() == null || parsed.dataset() == null) {
            return Uni.createFrom().item(parsed);
        }
        UUID earlier = io.outport.export.Watermarks.parse(parsed.since()).orElse(null);
        if (earlier == null) {
            parsed.errors().add("since", NOT_A_WATERMARK);
            return Uni.createFrom().item(parsed);
        }
        return exports.find(caller.tenantId(), earlier).map(found -> {
            Export e = found.orElse(null);
            ExportStatus status = e == null ? null : e.status();
            if (e == null) {
                // Another tenant's export is not found either: nothing tells the two apart.
                parsed.errors().add("since", NOT_A_WATERMARK);
            } else if (!e.spec().dataset().equals(parsed.spec().dataset())) {
                parsed.errors().add("since", "is the watermark of an export of the dataset " + e.spec().dataset()
                        + "; an incremental export continues the same dataset");
            } else if (e.mark() == null || (status != ExportStatus.completed && status != ExportStatus.expired)) {
                parsed.errors().add("since", "is the watermark of an export that did not complete");
            } else if (!Json.write(new java.util.TreeMap<>(e.spec().filters()))
                    .equals(Json.write(new java.util.TreeMap<>(parsed.spec().filters())))) {
                parsed.errors().add("filters", "must be those of the export the watermark comes from ("
                        + Json.write(e.spec().filters()) + "): an incremental export continues the same query");
            } else {
                return parsed.withSpec(parsed.spec().withSince(e.id(), e.mark()));
            }
            return parsed;
        });
    }
}
