package io.outport.export.api;

import io.outport.export.ExportReads;
import io.outport.platform.ApiException;
import io.outport.platform.UuidV7;
import io.outport.tenant.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.NameBinding;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.UUID;

/**
 * Checks, before an event stream starts, that the export exists for the caller and that Last-Event-ID is
 * one of ours: once the stream's headers are sent, a problem can no longer be answered, so a 404 or a 400
 * must be decided here, where it goes through the usual problem mapping.
 */
public class FollowedExportCheck {

    /** Marks the resource methods whose {id} must be an export of the caller before they run. */
    @NameBinding
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE, ElementType.METHOD})
    public @interface Checked {
    }

    private final ExportReads reads;
    private final Caller caller;

    public FollowedExportCheck(ExportReads reads, Caller caller) {
        this.reads = reads;
        this.caller = caller;
    }

    @Checked
    @ServerRequestFilter
    public Uni<Void> check(ContainerRequestContext request, io.vertx.core.http.HttpServerRequest raw) {
        ExportEventsResource.firstId(request.getHeaderString("Last-Event-ID"));
        // A stream's headers go out with its first event, before any response filter: set them now. No
        // proxy cache, no proxy buffering (nginx honours X-Accel-Buffering).
        raw.response().putHeader("Cache-Control", "no-cache").putHeader("X-Accel-Buffering", "no");
        UUID id = UuidV7.parse(request.getUriInfo().getPathParameters().getFirst("id"))
                .orElseThrow(() -> ApiException.notFound("No such export"));
        return reads.find(caller.tenantId(), id).map(found -> found.orElseThrow(() -> ApiException.notFound("No such export")))
                .replaceWithVoid();
    }
}
