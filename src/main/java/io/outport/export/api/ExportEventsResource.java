package io.outport.export.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outport.export.ExportReads;
import io.outport.export.ExportStatus;
import io.outport.export.push.ExportChanges;
import io.outport.platform.ApiException;
import io.outport.platform.Problem;
import io.outport.platform.UuidV7;
import io.outport.tenant.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An export's changes as Server-Sent Events: {@code status} at once, at every status change and whenever a
 * part finishes (so clients get its download link),
 * {@code progress} at most once a second while processing, a comment every 15 s, the end after a final
 * state. Each stream is a follower of {@link ExportChanges}: no thread and no database connection of its own.
 */
@Path("/v1/exports/{id}/events")
@Tag(name = "exports")
@SecurityRequirement(name = "apiKey")
public class ExportEventsResource {

    /** Progress events are at least this far apart. */
    static final long PROGRESS_NANOS = 1_000_000_000L;

    private final ExportReads reads;
    private final ExportChanges changes;
    private final ExportViews views;
    private final Caller caller;
    private final ObjectMapper json;

    public ExportEventsResource(ExportReads reads, ExportChanges changes, ExportViews views, Caller caller,
                                ObjectMapper json) {
        this.reads = reads;
        this.changes = changes;
        this.views = views;
        this.caller = caller;
        this.json = json;
    }

    @GET
    @FollowedExportCheck.Checked
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Follow an export as Server-Sent Events",
            description = "event: status (data: the export) at once, at every status change and whenever a part finishes; event: progress"
                    + " (data: the export's progress) at most once a second while processing; a comment line every"
                    + " 15 s; the stream ends after the status event of a final state. Every event has an id; a"
                    + " reconnect with Last-Event-ID starts again with the current status, ids continuing after it.")
    @Parameter(name = "Last-Event-ID", in = ParameterIn.HEADER, schema = @Schema(type = SchemaType.STRING, pattern = "^[0-9]{1,18}$"),
            description = "the id of the last event received, when reconnecting")
    @APIResponse(responseCode = "200", description = "the event stream",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId,
                                          @Context Sse sse) {
        long first = firstId(lastEventId);
        UUID exportId = UuidV7.parse(id).orElseThrow(() -> ApiException.notFound("No such export"));
        UUID tenant = caller.tenantId();
        // FollowedExportCheck found the export before the stream started; this read shares its result.
        // The stream lives on its request's context: the read's answer comes back to it before the stream
        // follows the export (ExportChanges calls followers on the context they followed from).
        // A change announced between this read and the follow is caught by the notices count (ExportChanges).
        Multi<OutboundSseEvent> stream = Multi.createFrom().emitter(em -> {
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            java.util.concurrent.Executor onContext = context == null ? Runnable::run
                    : task -> context.runOnContext(v -> task.run());
            long notices = changes.notices();
            reads.find(tenant, exportId).emitOn(onContext).subscribe().with(
                    found -> new Stream(em, sse, tenant, first).start(exportId,
                            found.orElseThrow(() -> ApiException.notFound("No such export")), notices), em::fail);
        });
        return stream;
    }

    /** Parses Last-Event-ID; the next event's id follows it. */
    static long firstId(String lastEventId) {
        if (lastEventId == null || lastEventId.isEmpty()) {
            return 1;
        }
        if (!lastEventId.matches("[0-9]{1,18}")) {
            throw ApiException.invalid("Last-Event-ID", "must be the id of an event of this stream (digits only)");
        }
        return Long.parseLong(lastEventId) + 1;
    }

    /** One client's stream: what it has been sent, and the emitter to send more. */
    private final class Stream implements ExportChanges.Follower {
        private final MultiEmitter<? super OutboundSseEvent> em;
        private final Sse sse;
        private final UUID tenant;
        private final AtomicLong next;
        private ExportStatus sentStatus;
        private int sentParts;
        private long sentRows = -1;
        private Long sentEstimate;
        private ExportReads.Snapshot latest;
        private boolean flushScheduled;
        private long progressAt;
        private boolean ended;
        /** The last status event's sending: the next one is sent after it. */
        private java.util.concurrent.CompletableFuture<Void> statusSent = java.util.concurrent.CompletableFuture.completedFuture(null);

        Stream(MultiEmitter<? super OutboundSseEvent> em, Sse sse, UUID tenant, long first) {
            this.em = em;
            this.sse = sse;
            this.tenant = tenant;
            this.next = new AtomicLong(first);
        }

        /** {@code notices}: {@link ExportChanges#notices()} before {@code initial} was read. */
        void start(UUID exportId, ExportReads.Snapshot initial, long notices) {
            Runnable unfollow = changes.follow(exportId, this, notices);
            em.onTermination(unfollow);
            changed(initial);
        }

        @Override
        public synchronized void changed(ExportReads.Snapshot s) {
            if (ended || !s.export().tenantId().equals(tenant)) {
                return;
            }
            ExportStatus status = s.export().effectiveStatus(OffsetDateTime.now(ZoneOffset.UTC));
            // A part finished while processing is a change of the export a client can act on (download it):
            // it goes out as a status event too, never dropped like progress.
            if (status != sentStatus || s.files().size() > sentParts) {
                sentStatus = status;
                sentParts = s.files().size();
                latest = null; // an older snapshot kept for a progress event must not come back after this one
                sentRows = s.export().progressRows();
                sentEstimate = s.export().rowsEstimated();
                progressAt = System.nanoTime();
                if (status.finished()) {
                    ended = true;
                }
                // Completed exports carry presigned URLs, which may be signed off the event loop: the
                // status event and, after a final one, the end are sent once the view is ready.
                // Sent in the order of the changes, whichever view is ready first.
                Uni<String> view = views.json(s);
                statusSent = statusSent.thenCompose(v -> view.subscribeAsCompletionStage()).thenAccept(json -> {
                    sendText("status", json);
                    if (status.finished()) {
                        em.complete();
                    }
                }).exceptionally(e -> {
                    em.fail(e);
                    return null;
                });
                return;
            }
            long now = System.nanoTime();
            boolean moved = s.export().progressRows() != sentRows
                    || !java.util.Objects.equals(s.export().rowsEstimated(), sentEstimate);
            if (status != ExportStatus.processing || !moved || em.requested() == 0) {
                // A client that does not keep up misses progress events (the next one says it all), never
                // a status event.
                return;
            }
            if (now - progressAt >= PROGRESS_NANOS) {
                latest = null;
                sentRows = s.export().progressRows();
                sentEstimate = s.export().rowsEstimated();
                progressAt = now;
                send("progress", ExportView.Progress.of(s.export(), status, OffsetDateTime.now(ZoneOffset.UTC)));
                return;
            }
            // Too soon after the last event: the latest progress goes out when the second is up, unless a
            // newer change has sent it by then (the estimate, written as an attempt starts, is not lost).
            latest = s;
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            if (!flushScheduled && context != null) {
                flushScheduled = true;
                long waitMillis = Math.max(1, (PROGRESS_NANOS - (now - progressAt)) / 1_000_000);
                context.owner().setTimer(waitMillis, t -> context.runOnContext(v -> flush()));
            }
        }

        private synchronized void flush() {
            flushScheduled = false;
            ExportReads.Snapshot s = latest;
            latest = null;
            if (s != null) {
                changed(s);
            }
        }

        @Override
        public void tick() {
            em.emit(sse.newEventBuilder().comment("keep-alive").build());
        }

        private void send(String name, Object data) {
            String text;
            try {
                text = json.writeValueAsString(data);
            } catch (JsonProcessingException e) {
                em.fail(e);
                return;
            }
            sendText(name, text);
        }

        private void sendText(String name, String text) {
            em.emit(sse.newEventBuilder().id(Long.toString(next.getAndIncrement())).name(name)
                    .data(String.class, text).build());
        }
    }
}
