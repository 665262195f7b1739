package io.outport.export.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.outport.export.queue.ExportQueue;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The export engine's Prometheus metrics ({@code outport_*}); tags are low-cardinality (outcome,
 * format, status), never a tenant id. Queue gauges read the last sample taken by {@link QueueSampler}.
 */
@io.quarkus.runtime.Startup // registers the gauges at start, so a scrape always lists them
@ApplicationScoped
public class ExportMetrics {

    private final MeterRegistry registry;
    private final Counter rows;
    private final Counter bytes;
    private final Counter rescues;
    private final AtomicReference<ExportQueue.Depth> depth = new AtomicReference<>(new ExportQueue.Depth(0, 0, 0, 0, 0));
    private final AtomicReference<java.util.Map<String, Long>> workers = new AtomicReference<>(java.util.Map.of());

    public ExportMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.rows = Counter.builder("outport_export_rows").description("Rows written to export files")
                .register(registry);
        this.bytes = Counter.builder("outport_export_bytes").description("Bytes stored in export files")
                .baseUnit("bytes").register(registry);
        this.rescues = Counter.builder("outport_export_rescues").description("Exports whose lease expired and were rescued")
                .register(registry);
        registry.gauge("outport_queue_depth", java.util.List.of(io.micrometer.core.instrument.Tag.of("status", "queued")),
                depth, d -> d.get().queued());
        registry.gauge("outport_queue_depth", java.util.List.of(io.micrometer.core.instrument.Tag.of("status", "due")),
                depth, d -> d.get().due());
        registry.gauge("outport_queue_depth", java.util.List.of(io.micrometer.core.instrument.Tag.of("status", "processing")),
                depth, d -> d.get().processing());
        registry.gauge("outport_queue_oldest_due_seconds", depth, d -> d.get().oldestDueSeconds());
        registry.gauge("outport_exports_unserved", depth, d -> d.get().unserved());
        for (String role : java.util.List.of("api", "worker")) {
            registry.gauge("outport_workers", java.util.List.of(io.micrometer.core.instrument.Tag.of("role", role)),
                    workers, w -> w.get().getOrDefault(role, 0L));
        }
    }

    public void depth(ExportQueue.Depth sample) {
        depth.set(sample);
    }

    /** Live processes of the fleet by role (the worker registry). */
    public void workers(java.util.Map<String, Long> byRole) {
        workers.set(byRole);
    }

    public void finished(String outcome, String format, Duration took) {
        Counter.builder("outport_exports_finished").description("Export attempts that ended, by outcome")
                .tag("outcome", outcome).tag("format", format).register(registry).increment();
        Timer.builder("outport_export_duration").description("Duration of export attempts")
                .tag("outcome", outcome).tag("format", format).register(registry).record(took);
    }

    public void written(long rowCount, long byteCount) {
        rows.increment(rowCount);
        bytes.increment(byteCount);
    }

    public void rescued(int n) {
        rescues.increment(n);
    }
}
