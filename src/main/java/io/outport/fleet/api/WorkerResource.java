package io.outport.fleet.api;

import io.outport.fleet.WorkerRegistry;
import io.outport.platform.Problem;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.OffsetDateTime;
import java.util.List;

/** Operator API: the live processes of the fleet (the worker registry). Guarded by OUTPORT_ADMIN_TOKEN. */
@Path("/admin/v1/workers")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin", description = "Tenants and API keys (operator token)")
@SecurityRequirement(name = "admin")
public class WorkerResource {

    @Schema(name = "WorkerDataset")
    public record DatasetView(@Schema(example = "orders") String name,
                              @Schema(example = "3f1c0a9b7e2d4c58", description = "fingerprint of the declaration this process resolved")
                              String fingerprint) {
    }

    @Schema(name = "Worker", description = "A live process: registered at start-up and renewed by heartbeat")
    public record WorkerView(@Schema(example = "outport-worker-7c9f-1x2y3z", description = "also the lease_owner of the exports it runs")
                             String id,
                             String host,
                             @Schema(example = "0.2.0") String version,
                             @Schema(description = "api and/or worker") List<String> roles,
                             @Schema(description = "the datasets this process serves (worker) or validates against (api), with their fingerprints")
                             List<DatasetView> datasets,
                             OffsetDateTime started_at,
                             OffsetDateTime heartbeat_at,
                             @Schema(description = "it drops out of the list if no heartbeat comes before then") OffsetDateTime expires_at) {
        static WorkerView of(WorkerRegistry.Worker w) {
            return new WorkerView(w.id(), w.host(), w.version(), w.roles(),
                    w.datasets().entrySet().stream().map(e -> new DatasetView(e.getKey(), e.getValue())).toList(),
                    w.startedAt(), w.heartbeatAt(), w.expiresAt());
        }
    }

    @Schema(name = "WorkerList")
    public record Page(List<WorkerView> data) {
    }

    private final WorkerRegistry registry;

    public WorkerResource(WorkerRegistry registry) {
        this.registry = registry;
    }

    @GET
    @Operation(summary = "List the live processes", description = "Every replica that heartbeats, with its roles, version and the"
            + " datasets it serves; a process that stops heartbeating drops out after the worker lease")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Page.class)))
    @APIResponse(responseCode = "401", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Page> list() {
        return registry.live().map(list -> new Page(list.stream().map(WorkerView::of).toList()));
    }
}
