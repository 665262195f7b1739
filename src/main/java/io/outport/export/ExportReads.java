package io.outport.export;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Status polls of one export, coalesced: reads of the same export within {@link #TTL_NANOS} share one
 * database round trip (and its part files), so a crowd of pollers costs the database one query per
 * export per quarter second. A poll may thus see a state up to 250 ms old; a cancel through this
 * replica is seen at once.
 */
@ApplicationScoped
public class ExportReads {

    static final long TTL_NANOS = 250_000_000L;
    private static final int MAX_ENTRIES = 50_000;

    /** An export with its files (empty unless completed or processing, or failed or canceled into a destination). */
    public record Snapshot(Export export, List<ExportFile> files) {
    }

    private record Entry(Uni<Optional<Snapshot>> load, long loadedAt) {
    }

    private final ExportRepository exports;
    private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();

    public ExportReads(ExportRepository exports) {
        this.exports = exports;
    }

    /** The export if it belongs to {@code tenantId}; another tenant's export is simply not found. */
    public Uni<Optional<Snapshot>> find(UUID tenantId, UUID id) {
        long now = System.nanoTime();
        Entry entry = entries.compute(id, (k, e) -> e != null && now - e.loadedAt < TTL_NANOS ? e
                : new Entry(load(id), now));
        if (entries.size() > MAX_ENTRIES) {
            entries.entrySet().removeIf(e -> now - e.getValue().loadedAt >= TTL_NANOS);
        }
        return entry.load.map(found -> found.filter(s -> s.export().tenantId().equals(tenantId)));
    }

    /**
     * Reads the export anew, whoever it belongs to (callers check the tenant), and keeps the result for
     * polls of the next quarter second: after a change notification, one read serves everyone.
     */
    public Uni<Optional<Snapshot>> fresh(UUID id) {
        Entry entry = new Entry(load(id), System.nanoTime());
        entries.put(id, entry);
        return entry.load;
    }

    /** Forgets what is known of an export (after this replica changed it). */
    public void forget(UUID id) {
        entries.remove(id);
    }

    private Uni<Optional<Snapshot>> load(UUID id) {
        return exports.findAnyTenant(id).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(Optional.<Snapshot>empty());
            }
            Export e = found.get();
            Uni<List<ExportFile>> files = e.listsFiles(e.status()) ? exports.files(id) : Uni.createFrom().item(List.of());
            return files.map(f -> Optional.of(new Snapshot(e, f)));
        }).onFailure().invoke(() -> entries.remove(id)).memoize().indefinitely();
    }
}
