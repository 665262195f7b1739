package io.outport.export.api;

import io.outport.dataset.Datasets;
import io.outport.dataset.FilterCheck;
import io.outport.export.Export;
import io.outport.export.ExportFile;
import io.outport.export.ExportReads;
import io.outport.export.ExportRepository;
import io.outport.export.ExportStatus;
import io.outport.export.push.ExportChanges;
import io.outport.export.storage.ExportStorage;
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

/** Create, read, list, cancel and download exports of the calling tenant. */
@Path("/v1/exports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "exports")
@SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "A tenant's API key (op_…), or a JWT signed by the product's identity provider (OUTPORT_AUTH_JWT_*)")
@SecurityRequirement(name = "apiKey")
public class ExportResource {

    /** Seconds a client should wait before polling an unfinished export again. */
    static final String POLL_HINT = "2";

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
            String since) {
    }

    @Schema(name = "ExportPage")
    public record Page(List<ExportView> data, @Schema(nullable = true, description = "null on the last page") String next_cursor) {
    }

    private final ExportRepository exports;
    private final ExportReads reads;
    private final ExportStorage storage;
    private final Datasets datasets;
    private final Caller caller;
    private final FilterCheck filterCheck;
    private final ExportViews views;
    private final ExportChanges changes;
    private final io.outport.export.ExportEstimator estimator;

    static final Duration MIN_WAIT = Duration.ofSeconds(1);
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    public ExportResource(ExportRepository exports, ExportReads reads, ExportStorage storage, Datasets datasets,
                          Caller caller, FilterCheck filterCheck, ExportViews views, ExportChanges changes,
                          io.outport.export.ExportEstimator estimator) {
        this.estimator = estimator;
        this.views = views;
        this.changes = changes;
        this.filterCheck = filterCheck;
        this.exports = exports;
        this.reads = reads;
        this.storage = storage;
        this.datasets = datasets;
        this.caller = caller;
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
                rb.header("Retry-After", POLL_HINT);
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
        return validated(body).chain(parsed -> estimator.estimate(caller.tenantId(), parsed.dataset(), parsed.spec()))
                .map(e -> new EstimateView(e.rows(), e.bytes(), e.parts()));
    }

    /** A create body checked field by field, filter values by the source database too; every error in one 400. */
    private Uni<ExportRequests.Parsed> validated(String body) {
        ExportRequests.Parsed parsed = ExportRequests.parse(Json.parseExact(body), datasets);
        Uni<Void> checked = parsed.dataset() == null ? Uni.createFrom().voidItem()
                : filterCheck.check(parsed.dataset(), parsed.spec().match(), parsed.errors());
        return checked.chain(() -> since(parsed)).invoke(p -> p.errors().throwIfInvalid());
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

    @GET
    @Path("/{id}")
    @Operation(summary = "Get an export", description = "Completed exports carry freshly presigned download URLs."
            + " With wait, a long poll: answers as soon as the export is in a final state, or when the wait ends.")
    @Parameter(name = "wait", in = ParameterIn.QUERY, schema = @Schema(type = SchemaType.STRING, example = "30s"),
            description = "long poll: 1s to 60s, as 30s, 1m, 1500ms or PT30S; absent: answer at once")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ExportView.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> get(@PathParam("id") String id, @Context UriInfo uri) {
        QueryParams params = new QueryParams(uri, Set.of("wait"));
        Duration wait = params.duration("wait", MIN_WAIT, MAX_WAIT);
        params.errors().throwIfInvalid();
        UUID exportId = UuidV7.parse(id).orElseThrow(ExportResource::noSuchExport);
        UUID tenant = caller.tenantId();
        if (wait == null) {
            return current(tenant, exportId).chain(views::of).map(view -> {
                Response.ResponseBuilder rb = Response.ok(view);
                if (!view.status().finished()) {
                    rb.header("Retry-After", POLL_HINT);
                }
                return rb.build();
            });
        }
        return finalOrAfter(tenant, exportId, wait).chain(s -> views.json(s).map(json -> {
            Response.ResponseBuilder rb = Response.ok(json, MediaType.APPLICATION_JSON_TYPE);
            if (!finished(s)) {
                rb.header("Retry-After", POLL_HINT);
            }
            return rb.build();
        }));
    }

    private Uni<ExportReads.Snapshot> current(UUID tenant, UUID exportId) {
        return reads.find(tenant, exportId).map(found -> found.orElseThrow(ExportResource::noSuchExport));
    }

    /**
     * The long poll: follows the export (before reading it, so no change falls between the read and the
     * follow) and answers with the first final state, or with the export as it is when the wait ends. No
     * thread waits: the request is a follower in {@link ExportChanges} and a timer.
     */
    private Uni<ExportReads.Snapshot> finalOrAfter(UUID tenant, UUID exportId, Duration wait) {
        return Uni.createFrom().<ExportReads.Snapshot>emitter(em -> {
            Runnable unfollow = changes.follow(exportId, s -> {
                if (s.export().tenantId().equals(tenant) && finished(s)) {
                    em.complete(s);
                }
            });
            em.onTermination(unfollow);
            current(tenant, exportId).subscribe().with(s -> {
                if (finished(s)) {
                    em.complete(s);
                }
            }, em::fail);
        }).ifNoItem().after(wait).recoverWithUni(() -> current(tenant, exportId));
    }

    private static boolean finished(ExportReads.Snapshot s) {
        return s.export().effectiveStatus(OffsetDateTime.now(ZoneOffset.UTC)).finished();
    }

    @GET
    @Operation(summary = "List exports, newest first")
    @Parameter(name = "status", in = ParameterIn.QUERY, description = "queued | processing | completed | failed | canceled | expired")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "1–1000, default 100")
    @Parameter(name = "cursor", in = ParameterIn.QUERY, description = "next_cursor of the previous page")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Page.class)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Page> list(@Context UriInfo uri) {
        QueryParams params = new QueryParams(uri, Set.of("status", "limit", "cursor"));
        String statusText = params.string("status", 20);
        ExportStatus status = statusText == null ? null : ExportStatus.parse(statusText);
        if (statusText != null && status == null) {
            params.errors().add("status", "must be one of queued, processing, completed, failed, canceled, expired");
        }
        int limit = params.limit();
        String cursor = params.string("cursor", 512);
        UUID before = null;
        if (cursor != null) {
            before = UuidV7.parse(Cursor.decode(cursor, 1, "cursor").get(0))
                    .orElseThrow(() -> ApiException.invalid("cursor", "is not a cursor issued by this server"));
        }
        params.errors().throwIfInvalid();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return exports.page(caller.tenantId(), status, before, limit).map(rows -> {
            List<Export> page = rows.size() > limit ? rows.subList(0, limit) : rows;
            List<ExportView> views = page.stream().map(e -> ExportView.of(e, e.effectiveStatus(now), List.of())).toList();
            String next = rows.size() > limit ? Cursor.encode(page.get(limit - 1).id().toString()) : null;
            return new Page(views, next);
        });
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(summary = "Cancel an export", description = "Queued: canceled at once. Processing: stops within a few seconds.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ExportView.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "export_not_cancelable",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ExportView> cancel(@PathParam("id") String id) {
        UUID exportId = UuidV7.parse(id).orElseThrow(ExportResource::noSuchExport);
        UUID tenant = caller.tenantId();
        return exports.cancel(tenant, exportId).invoke(() -> reads.forget(exportId)).chain(changed -> {
            if (changed.isPresent()) {
                Export e = changed.get();
                return Uni.createFrom().item(ExportView.of(e, e.status(), List.of()));
            }
            return exports.find(tenant, exportId).map(found -> {
                Export e = found.orElseThrow(ExportResource::noSuchExport);
                throw ApiException.conflict("export_not_cancelable", "Export not cancelable",
                        "The export is already " + e.effectiveStatus(OffsetDateTime.now(ZoneOffset.UTC)));
            });
        });
    }

    @GET
    @Path("/{id}/download")
    @Operation(summary = "Download a part file", description = "307 redirect to a freshly presigned URL. While the export is"
            + " processing, the parts finished so far can be downloaded; a part not finished yet is a 409, one the export"
            + " cannot have a 404.")
    @Parameter(name = "part", in = ParameterIn.QUERY, description = "part number, default 1")
    @APIResponse(responseCode = "307", description = "Redirect to the file", headers = @Header(name = "Location"))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "export_not_ready: the export is not completed, or (while processing) the part is not finished yet",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "410", description = "export_expired",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @io.opentelemetry.instrumentation.annotations.WithSpan("outport.download_redirect")
    public Uni<Response> download(@PathParam("id") String id, @Context UriInfo uri) {
        QueryParams params = new QueryParams(uri, Set.of("part"));
        String partText = params.string("part", 10);
        int part = 1;
        if (partText != null) {
            try {
                part = Integer.parseInt(partText);
            } catch (NumberFormatException e) {
                params.errors().add("part", "must be a positive integer");
            }
        }
        params.errors().throwIfInvalid();
        int wanted = part;
        return load(id).chain(e -> {
            ExportStatus status = e.effectiveStatus(OffsetDateTime.now(ZoneOffset.UTC));
            if (status == ExportStatus.expired) {
                throw ApiException.gone("export_expired", "Export expired",
                        "The export's files were deleted after the retention period");
            }
            if (status != ExportStatus.completed && status != ExportStatus.processing) {
                throw ApiException.conflict("export_not_ready", "Export not ready",
                        "The export is " + status + "; files can be downloaded once it is completed");
            }
            return exports.files(e.id()).emitOn(Infrastructure.getDefaultWorkerPool()).map(files -> {
                ExportFile file = files.stream().filter(f -> f.part() == wanted).findFirst().orElse(null);
                if (file == null && status == ExportStatus.processing && wanted >= 1 && wanted <= possibleParts(e)) {
                    throw ApiException.conflict("export_not_ready", "Part not ready",
                            "Part " + wanted + " is not finished yet (" + files.size()
                                    + " part(s) finished so far); finished parts are listed in the export's files");
                }
                if (file == null) {
                    throw ApiException.notFound(status == ExportStatus.processing
                            ? "The export will not have a part " + wanted + " (it has at most " + possibleParts(e) + ")"
                            : "The export has " + files.size() + " part(s); no part " + wanted);
                }
                String url = storage.presign(file.objectKey(), ExportViews.fileName(e, file)).url();
                return Response.temporaryRedirect(java.net.URI.create(url)).header("Cache-Control", "no-store").build();
            });
        });
    }

    /**
     * The most parts a processing export can end with: every part holds at least one row (an empty export has
     * one empty part), and part numbers have five digits. Before the rows are counted, any number may come.
     */
    static long possibleParts(Export e) {
        return e.rowsEstimated() == null ? 99_999 : Math.min(99_999, Math.max(1, e.rowsEstimated()));
    }

    private Uni<Export> load(String id) {
        UUID exportId = UuidV7.parse(id).orElseThrow(ExportResource::noSuchExport);
        return exports.find(caller.tenantId(), exportId).map(found -> found.orElseThrow(ExportResource::noSuchExport));
    }

    private static ApiException noSuchExport() {
        return ApiException.notFound("No such export");
    }
}
