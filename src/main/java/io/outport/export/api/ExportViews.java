package io.outport.export.api;

import io.outport.export.Export;
import io.outport.export.ExportFile;
import io.outport.export.ExportReads;
import io.outport.export.ExportStatus;
import io.outport.export.storage.ExportStorage;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * An export as clients see it (GET, long poll, event streams, webhook payloads): its effective status and
 * its finished files (all of them once completed, those finished so far while processing) with freshly
 * presigned URLs.
 */
@ApplicationScoped
public class ExportViews {

    private final ExportStorage storage;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;
    /** The JSON of recent snapshots: every follower of an export gets the same snapshot after a change. */
    private final java.util.Map<ExportReads.Snapshot, Uni<String>> shared =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    public ExportViews(ExportStorage storage, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.storage = storage;
        this.mapper = mapper;
    }

    /**
     * The view as JSON, written once per snapshot however many long polls and streams follow the export:
     * ten thousand clients woken by one change cost one serialisation, not ten thousand.
     */
    public Uni<String> json(ExportReads.Snapshot snapshot) {
        return shared.computeIfAbsent(snapshot, s -> of(s).map(view -> {
            try {
                return mapper.writeValueAsString(view);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }).memoize().indefinitely());
    }

    public Uni<ExportView> of(ExportReads.Snapshot snapshot) {
        Export e = snapshot.export();
        ExportStatus status = e.effectiveStatus(OffsetDateTime.now(ZoneOffset.UTC));
        if (snapshot.files().isEmpty() || !e.listsFiles(status)) {
            return Uni.createFrom().item(ExportView.of(e, status, List.of()));
        }
        if (snapshot.files().stream().allMatch(f -> f.location() != null)) {
            // Delivered into the tenant's bucket: nothing to sign.
            return Uni.createFrom().item(ExportView.of(e, status, snapshot.files().stream()
                    .map(f -> new ExportView.FileView(f.part(), f.rows(), f.sizeBytes(), f.sha256(), null, null, f.location()))
                    .toList()));
        }
        // URLs minted this second are reused as they are; signing anew may refresh credentials
        // (blocking I/O with the default provider chain), so it happens off the event loop.
        List<ExportView.FileView> reused = new ArrayList<>();
        for (ExportFile f : snapshot.files()) {
            var minted = storage.mintedThisSecond(f.objectKey());
            if (minted.isEmpty()) {
                break;
            }
            reused.add(fileView(f, minted.get()));
        }
        if (reused.size() == snapshot.files().size()) {
            return Uni.createFrom().item(ExportView.of(e, status, reused));
        }
        return Uni.createFrom().item(snapshot.files()).emitOn(Infrastructure.getDefaultWorkerPool())
                .map(files -> ExportView.of(e, status, files.stream()
                        .map(f -> fileView(f, storage.presign(f.objectKey(), fileName(e, f)))).toList()));
    }

    private static ExportView.FileView fileView(ExportFile f, ExportStorage.Presigned p) {
        return new ExportView.FileView(f.part(), f.rows(), f.sizeBytes(), f.sha256(), p.url(), p.expiresAt(), null);
    }

    static String fileName(Export e, ExportFile f) {
        return "export-" + e.id() + "-part-" + String.format("%05d", f.part()) + "." + e.spec().extension();
    }
}
