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

/** Read, list, follow, cancel and download exports of the calling tenant ({@link ExportCreation} creates them). */
@Path("/v1/exports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "exports")
@SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "A tenant's API key (op_…), or a JWT signed by the product's identity provider (OUTPORT_AUTH_JWT_*)")
@SecurityRequirement(name = "apiKey")
public class ExportResource {

    /** Seconds a client should wait before polling an unfinished export again. */
    static final String POLL_HINT = "2";

    @Schema(name = "ExportPage")
    public record Page(List<ExportView> data, @Schema(nullable = true, description = "null on the last page") String next_cursor) {
    }

    private final ExportRepository exports;
    private final ExportReads reads;
    private final ExportStorage storage;
    private final Caller caller;
    private final ExportViews views;
    private final ExportChanges changes;

    static final Duration MIN_WAIT = Duration.ofSeconds(1);
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    public ExportResource(ExportRepository exports, ExportReads reads, ExportStorage storage, Caller caller,
                          ExportViews views, ExportChanges changes) {
        this.exports = exports;
        this.reads = reads;
        this.storage = storage;
        this.caller = caller;
        this.views = views;
        this.changes = changes;
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
    @APIResponse(responseCode = "409", description = "export_not_ready: the export is not completed, or (while processing) the part is not finished yet;"
            + " delivered_elsewhere: the part was written into the export's destination (the detail names its location)",
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
                if (file.location() != null) {
                    throw ApiException.conflict("delivered_elsewhere", "Delivered into your bucket",
                            "Part " + wanted + " was delivered into the export's destination: " + file.location()
                                    + "; read it there (Outport keeps no copy)");
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
