package io.outport.export;

import io.outport.dataset.Column;
import io.outport.dataset.Dataset;
import io.outport.dataset.Datasets;
import io.outport.export.pipeline.PartWriter;
import io.outport.export.pipeline.Piece;
import io.outport.export.pipeline.RecordEncoder;
import io.outport.export.pipeline.RowSource;
import io.outport.tenant.ExternalIds;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

/**
 * What an export would produce, without creating it: its rows counted exactly as an export counts them
 * (the same query, in a snapshot of its own), and its size from the first page of rows encoded and
 * compressed exactly as the export would write them, scaled to the count.
 */
@ApplicationScoped
public class ExportEstimator {

    /** Rows, stored bytes and part files an export would have. */
    public record Estimate(long rows, long bytes, int parts) {
    }

    private final Datasets datasets;
    private final ExternalIds externalIds;

    public ExportEstimator(Datasets datasets, ExternalIds externalIds) {
        this.datasets = datasets;
        this.externalIds = externalIds;
    }

    public Uni<Estimate> estimate(UUID tenantId, Dataset dataset, ExportSpec spec) {
        List<Column> columns = spec.fields().stream().map(f -> dataset.column(f).orElseThrow()).toList();
        return externalIds.of(tenantId)
                .chain(key -> RowSource.open(datasets.pool(dataset), dataset, columns, tenantId, key, spec,
                        RowSource.Resume.FRESH, RowSource.Count.FIRST))
                .chain(source -> source.pages().toUni().onItem().ifNull().continueWith(List::of)
                        .eventually(source::close)
                        .emitOn(Infrastructure.getDefaultWorkerPool())
                        .chain(page -> {
                            PartWriter sample = new PartWriter(RecordEncoder.of(spec.format(), columns),
                                    "gzip".equals(spec.compression()), Long.MAX_VALUE, PartWriter.PIECE_BYTES, Runnable::run);
                            PartWriter empty = new PartWriter(RecordEncoder.of(spec.format(), columns),
                                    "gzip".equals(spec.compression()), Long.MAX_VALUE, PartWriter.PIECE_BYTES, Runnable::run);
                            return sample.write(sample.encode(page)).chain(sample::finish).chain(empty::finish)
                                    .map(v -> {
                                        // Nothing is uploaded: the sample's arrays go back for the pieces of exports.
                                        sample.take().forEach(Piece::release);
                                        empty.take().forEach(Piece::release);
                                        return scale(source.rows(), page.size(), sample.bytesStored(), empty.bytesStored(),
                                                spec.maxFileBytes());
                                    });
                        }));
    }

    /** Scales the sample's bytes per row to every row; a part file holds at most {@code maxFileBytes}. */
    static Estimate scale(long rows, int sampled, long sampleBytes, long emptyBytes, long maxFileBytes) {
        long bytes = sampled == 0 ? emptyBytes
                : emptyBytes + Math.round((double) (sampleBytes - emptyBytes) / sampled * rows);
        int parts = (int) Math.max(1, (bytes + maxFileBytes - 1) / maxFileBytes);
        return new Estimate(rows, bytes, parts);
    }
}
